# nnlint-expect: clean
# source: https://github.com/masa-su/pixyz/pull/123
# The fix calls modules through __call__; inside a subclass, super().forward(x) is the
# normal way to extend the parent's computation and runs within the outer call's hooks.
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, x_dim=784, z_dim=64):
        super().__init__()
        self.fc1 = nn.Linear(x_dim, 512)
        self.fc2 = nn.Linear(512, z_dim * 2)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x))).chunk(2, dim=-1)


class ScaledEncoder(Encoder):
    def forward(self, x):
        loc, log_scale = super().forward(x)
        return loc, torch.nn.functional.softplus(log_scale)


encoder = ScaledEncoder()
loc, scale = encoder(torch.randn(4, 784))
