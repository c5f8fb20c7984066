# nnlint-expect: clean
# source: https://discuss.pytorch.org/t/how-to-fix-gradient-at-0-for-sqrt-function/23390
# The thread's fix in the same indented fragment: an epsilon inside the square root keeps the
# gradient finite at zero distance.
        for (a, b), same in pair_loader:
            za, zb = net(a), net(b)
            dist = torch.sqrt(((za - zb) ** 2).sum(dim=1) + 1e-8)
            loss = (same * dist ** 2 + (1 - same) * F.relu(margin - dist) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
