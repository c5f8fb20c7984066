# nnlint-expect: NNL506
# source: https://github.com/tianrun-chen/SAM-Adapter-PyTorch/issues/89
# The training script's eval function runs the segmentation model over the validation loader
# without torch.no_grad(): every batch keeps its autograd graph.
import torch


def eval_psnr(loader, model, metric_fn):
    model.eval()
    scores = []
    for batch in loader:
        inp = batch["inp"].cuda()
        gt = batch["gt"].cuda()
        pred = torch.sigmoid(model.infer(inp)) if hasattr(model, "infer") else torch.sigmoid(model(inp))
        scores.append(metric_fn(pred, gt))
    return sum(scores) / len(scores)


def main(model, train_loader, val_loader, optimizer, epochs, metric_fn):
    for epoch in range(epochs):
        model.train()
        for batch in train_loader:
            optimizer.zero_grad()
            loss = model(batch["inp"].cuda(), batch["gt"].cuda())
            loss.backward()
            optimizer.step()
        print(epoch, eval_psnr(val_loader, model, metric_fn))
