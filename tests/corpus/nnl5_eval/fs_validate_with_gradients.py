# nnlint-expect: NNL506
# source: https://kaijuan.co/qa/60018578
# A validation helper pasted from a training script: it switches to eval mode (the answer's
# first half) but runs the model with autograd on, so every batch keeps its graph.
def validate(model, loader, criterion):
    model.eval()
    total = 0.0
    for x, y in loader:
        out = model(x)
        total += criterion(out, y).item()
    model.train()
    return total / len(loader)
