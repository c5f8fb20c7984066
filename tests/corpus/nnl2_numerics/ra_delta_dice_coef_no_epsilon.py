# nnlint-expect: NNL203
# source: https://github.com/nasa/delta/pull/115
# A segmentation library's Dice coefficient, ported to PyTorch: the loss squashes the logits
# with sigmoid and a helper divides 2 * |X n Y| by |X| + |Y|. A tile with no labelled pixels
# whose prediction has saturated to 0 gives 0 / 0, and the loss goes NaN; the fix adds an
# epsilon to the denominator.
import torch


def dice_coef(y_true, y_pred):
    intersection = torch.sum(y_true * y_pred, dim=(1, 2, 3))
    return 2.0 * intersection / (torch.sum(y_true, dim=(1, 2, 3)) + torch.sum(y_pred, dim=(1, 2, 3)))


def dice_loss(logits, masks):
    probs = torch.sigmoid(logits)
    return 1.0 - dice_coef(masks, probs).mean()


def train(model, loader, optimizer):
    for tiles, masks in loader:
        optimizer.zero_grad()
        loss = dice_loss(model(tiles), masks)
        loss.backward()
        optimizer.step()
