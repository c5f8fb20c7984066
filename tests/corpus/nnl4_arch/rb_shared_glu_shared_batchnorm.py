# nnlint-expect: NNL404
# source: https://github.com/dreamquark-ai/tabnet/pull/76
# Two steps share their linear layer on purpose, but sharing the batch-norm with it was the
# bug the pull request fixed: each step needs its own statistics.
import torch
from torch import nn


class SharedStepEncoder(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.shared_fc = nn.Linear(d, 2 * d)
        self.bn = nn.BatchNorm1d(2 * d)

    def forward(self, x):
        h = self.bn(self.shared_fc(x))
        x = torch.nn.functional.glu(h) + x
        h = self.bn(self.shared_fc(x))
        return torch.nn.functional.glu(h) + x
