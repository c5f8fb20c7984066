# nnlint-expect: NNL204
# source: https://discuss.pytorch.org/t/how-to-fix-gradient-at-0-for-sqrt-function/23390
# Pasted from inside a training function (indented as a block): the pair distance is the square
# root of a sum of squares, which is zero for identical embeddings, where its gradient is inf
# and the update NaN.
        for (a, b), same in pair_loader:
            za, zb = net(a), net(b)
            dist = torch.sqrt(((za - zb) ** 2).sum(dim=1))
            loss = (same * dist ** 2 + (1 - same) * F.relu(margin - dist) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
