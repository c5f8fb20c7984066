# nnlint-expect: NNL105
# source: https://github.com/tsinghua-rll/VoxelNet-tensorflow/issues/10
# The region-proposal head applies conv + BN + ReLU to every map, including the box
# regression map, whose offsets must be negative to shrink an anchor; trained with
# SmoothL1.
import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvBNReLU(nn.Module):
    def __init__(self, cin, cout, k=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class RPNHead(nn.Module):
    def __init__(self, channels=768, anchors=2):
        super().__init__()
        self.prob_conv = nn.Conv2d(channels, anchors, 1)
        self.reg_conv = ConvBNReLU(channels, 7 * anchors)

    def forward(self, fmap):
        return self.prob_conv(fmap), self.reg_conv(fmap)


def rpn_loss(head, fmap, pos_equal_one, targets):
    prob_logits, deltas = head(fmap)
    cls_loss = F.binary_cross_entropy_with_logits(prob_logits, pos_equal_one)
    reg_loss = F.smooth_l1_loss(deltas, targets)
    return cls_loss + reg_loss
