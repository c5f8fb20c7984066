# nnlint-expect: clean
# source: https://github.com/kefirski/pytorch_Highway/issues/1
# Before nn.ModuleList existed the layers were kept in a list and each one registered by
# hand with add_module; the list is only an index, the layers are registered.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Highway(nn.Module):
    def __init__(self, size, num_layers, f=F.relu):
        super().__init__()
        self.num_layers = num_layers
        self.f = f
        self.nonlinear = [nn.Linear(size, size) for _ in range(num_layers)]
        self.gate = [nn.Linear(size, size) for _ in range(num_layers)]
        for i, (n, g) in enumerate(zip(self.nonlinear, self.gate)):
            self.add_module(f"nonlinear_{i}", n)
            self.add_module(f"gate_{i}", g)

    def forward(self, x):
        for layer in range(self.num_layers):
            gate = torch.sigmoid(self.gate[layer](x))
            x = gate * self.f(self.nonlinear[layer](x)) + (1 - gate) * x
        return x
