# nnlint-expect: clean
# source: https://github.com/lucidrains/x-transformers/blob/main/x_transformers/x_transformers.py
# A learned residual update: two parallel projections start as constants (zero weight, the
# bias set to a chosen starting value), so the block begins as a fixed mix of the
# residual and the update; each unit's gradient still differs, nothing stays symmetric.
import torch
from torch import nn


class LearnedResidualMix(nn.Module):
    def __init__(self, dim, init_keep=1.0, init_add=0.1):
        super().__init__()
        self.to_keep = nn.Linear(dim, dim)
        self.to_add = nn.Linear(dim, dim)
        nn.init.zeros_(self.to_keep.weight)
        nn.init.constant_(self.to_keep.bias, init_keep)
        nn.init.zeros_(self.to_add.weight)
        nn.init.constant_(self.to_add.bias, init_add)

    def forward(self, x, residual):
        keep = self.to_keep(x)
        add = self.to_add(x)
        return residual * keep + x * add
