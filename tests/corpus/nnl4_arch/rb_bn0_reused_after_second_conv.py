# nnlint-expect: NNL404
# source: https://github.com/kanezaki/pytorch-unsupervised-segmentation/issues/1
# The first batch-norm is applied again after the second convolution: both places share one
# pair of running statistics, where one batch-norm per convolution was meant.
import torch.nn as nn
import torch.nn.functional as F


class SegNet(nn.Module):
    def __init__(self, in_channels, channels):
        super().__init__()
        self.conv0 = nn.Conv2d(in_channels, channels, 3, padding=1)
        self.bn0 = nn.BatchNorm2d(channels)
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv_out = nn.Conv2d(channels, channels, 1)
        self.bn_out = nn.BatchNorm2d(channels)

    def forward(self, x):
        x = self.bn0(F.relu(self.conv0(x)))
        x = F.relu(self.conv1(x))
        x = self.bn0(x)
        return self.bn_out(self.conv_out(x))
