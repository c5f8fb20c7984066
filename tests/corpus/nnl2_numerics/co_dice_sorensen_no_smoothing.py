# nnlint-expect: NNL203
# source: https://github.com/jocicmarko/ultrasound-nerve-segmentation/issues/4
# The asker's "original" Sorensen-Dice, 2|X n Y| / (|X| + |Y|), as a PyTorch loss without the
# smoothing term; an image with an empty mask and an empty prediction divides 0 by 0, which
# the maintainer answers is why the smoothing is there.
import torch
import torch.nn as nn


class DiceLoss(nn.Module):
    def forward(self, y_pred, y_true):
        y_pred_f = torch.sigmoid(y_pred).flatten(1)
        y_true_f = y_true.flatten(1)
        intersection = (y_true_f * y_pred_f).sum(1)
        dice = 2.0 * intersection / (y_true_f.sum(1) + y_pred_f.sum(1))
        return 1.0 - dice.mean()
