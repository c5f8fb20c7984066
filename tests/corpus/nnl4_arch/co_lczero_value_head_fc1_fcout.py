# nnlint-expect: NNL401
# source: https://github.com/Rocketknight1/minimal_lczero/issues/1
# The value head flattens a 1x1 conv block and applies two dense layers back to back.
import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.mish(self.bn(self.conv(x)))


class ConvolutionalValueOrMovesLeftHead(nn.Module):
    def __init__(self, input_dim, output_dim, num_filters=32, hidden_dim=128):
        super().__init__()
        self.conv_block = ConvBlock(input_dim, num_filters)
        self.fc1 = nn.Linear(num_filters * 64, hidden_dim)
        self.fc_out = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        x = self.conv_block(x)
        x = torch.flatten(x, start_dim=1)
        x = self.fc1(x)
        return self.fc_out(x)
