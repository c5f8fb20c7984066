# nnlint-expect: NNL605
# source: https://github.com/jokester-zzz/SSA-SC/issues/2
# A semantic scene completion trainer keeps per-key epoch totals of the loss dictionary
# without .item(), so GPU memory rises through the epoch.
import torch


def train_epoch(model, loader, optimizer, device):
    model.train()
    epoch_losses = {}
    for batch in loader:
        inputs = {k: v.to(device) for k, v in batch.items()}
        optimizer.zero_grad()
        scores = model(inputs)
        loss = model.compute_loss(scores, inputs)
        loss["total"].backward()
        optimizer.step()
        for key in loss:
            epoch_losses[key] = epoch_losses.get(key, 0) + loss[key]
    return {k: v / len(loader) for k, v in epoch_losses.items()}
