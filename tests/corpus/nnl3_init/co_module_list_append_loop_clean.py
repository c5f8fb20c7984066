# nnlint-expect: clean
# source: https://github.com/pytorch/pytorch/issues/666
# The answer to the report: keep a variable number of layers in nn.ModuleList. Here the
# ModuleList is grown with append in a loop; a plain list beside it holds only names.
import torch
import torch.nn as nn


class DeepNet(nn.Module):
    def __init__(self, num_layers, width=64, act="ReLU"):
        super().__init__()
        self.layers = nn.ModuleList()
        self.names = []
        for i in range(num_layers):
            self.layers.append(nn.Linear(width, width))
            self.names.append(f"hidden{i}")
        self.act = getattr(nn, act)()
        self.out = nn.Linear(width, 1)

    def forward(self, x):
        for layer in self.layers:
            x = self.act(layer(x))
        return self.out(x)
