# nnlint-expect: clean
# source: https://github.com/milesial/Pytorch-UNet/issues/24
# The corrected dice coefficient: epsilon added to the numerator after doubling the
# intersection and to the denominator, so an empty mask and prediction score 1, not NaN.
import torch


def dice_coeff(input, target, epsilon=1e-6):
    inter = 2 * torch.dot(input.reshape(-1), target.reshape(-1))
    sets_sum = torch.sum(input) + torch.sum(target)
    return (inter + epsilon) / (sets_sum + epsilon)


def dice_loss(logits, mask):
    return 1 - dice_coeff(torch.sigmoid(logits), mask.float())
