# nnlint-expect: clean
# source: https://github.com/aim-uofa/AdelaiDet/issues/610
# The mask head's dice loss adds eps to the denominator only; the issue is about how that
# scores empty masks, but the division itself is guarded.
import torch


def dice_coefficient(x, target):
    eps = 1e-5
    n_inst = x.size(0)
    x = x.reshape(n_inst, -1)
    target = target.reshape(n_inst, -1)
    intersection = (x * target).sum(dim=1)
    union = (x ** 2.0).sum(dim=1) + (target ** 2.0).sum(dim=1) + eps
    return 1.0 - (2 * intersection / union)


def mask_loss(mask_logits, gt_masks):
    return dice_coefficient(mask_logits.sigmoid(), gt_masks).mean()
