# nnlint-expect: clean
# source: https://github.com/pyg-team/pytorch_geometric/pull/7748
# An optional bias created with torch.empty in a conditional expression; reset_parameters,
# called from __init__, fills both the weight and (when there is one) the bias.
import math

import torch
import torch.nn as nn


class AntiSymmetricLayer(nn.Module):
    def __init__(self, channels, gamma=0.1, bias=True):
        super().__init__()
        self.gamma = gamma
        self.W = nn.Parameter(torch.empty(channels, channels))
        self.bias = nn.Parameter(torch.empty(channels)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.kaiming_uniform_(self.W, a=math.sqrt(5))
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    def forward(self, x):
        antisym = self.W - self.W.t() - self.gamma * torch.eye(self.W.shape[0], device=x.device)
        out = x @ antisym
        return torch.tanh(out + self.bias if self.bias is not None else out)
