# nnlint-expect: clean
# source: https://kaijuan.co/qa/60018578
# The answer's pairing: eval() and torch.no_grad() together in the validation helper.
@torch.no_grad()
def validate(model, loader, criterion):
    model.eval()
    total = 0.0
    for x, y in loader:
        out = model(x)
        total += criterion(out, y).item()
    model.train()
    return total / len(loader)
