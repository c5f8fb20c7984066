# nnlint-expect: NNL205
# source: https://www.codegenes.net/blog/pytorch-gradient-nan
for step, (x, y) in enumerate(loader):
    loss = criterion(model(x), y)
    if loss == float("nan"):
        print("nan at step", step)
        break
    loss.backward()
