# nnlint-expect: clean
# source: https://github.com/nasa/delta/pull/115
# The fixed Dice coefficient: an epsilon in the denominator keeps an empty tile with an
# empty prediction at a finite loss.
import torch


def dice_coef(y_true, y_pred, eps=1e-7):
    intersection = torch.sum(y_true * y_pred, dim=(1, 2, 3))
    return 2.0 * intersection / (torch.sum(y_true, dim=(1, 2, 3)) + torch.sum(y_pred, dim=(1, 2, 3)) + eps)


def dice_loss(logits, masks):
    probs = torch.sigmoid(logits)
    return 1.0 - dice_coef(masks, probs).mean()


def train(model, loader, optimizer):
    for tiles, masks in loader:
        optimizer.zero_grad()
        loss = dice_loss(model(tiles), masks)
        loss.backward()
        optimizer.step()
