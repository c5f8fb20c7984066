# nnlint-expect: clean
# source: https://www.codegenes.net/blog/pytorch-gradient-nan
for step, (x, y) in enumerate(loader):
    loss = criterion(model(x), y)
    if torch.isnan(loss):
        print("nan at step", step)
        break
    loss.backward()
