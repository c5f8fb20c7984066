# nnlint-expect: NNL404
# source: https://github.com/carlthome/tensorflow-convlstm-cell/issues/5
# A recurrent cell unrolled over two steps applies one batch-norm at both: the running
# averages of step 1 and step 2 are mixed into one pair, where each step needs its own.
import torch
import torch.nn as nn


class TwoStepConvCell(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(2 * channels, channels, 3, padding=1)
        self.bn = nn.BatchNorm2d(channels)

    def forward(self, x, h):
        h = torch.tanh(self.bn(self.conv(torch.cat([x, h], dim=1))))
        h = torch.tanh(self.bn(self.conv(torch.cat([x, h], dim=1))))
        return h
