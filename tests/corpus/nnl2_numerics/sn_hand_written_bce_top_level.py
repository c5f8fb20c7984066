# nnlint-expect: NNL201,NNL202
# source: https://www.codegenes.net/blog/pytorch-cost-result-is-nan
for x, y in loader:
    optimizer.zero_grad()
    p = torch.sigmoid(model(x))
    cost = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
    cost.backward()
    optimizer.step()
