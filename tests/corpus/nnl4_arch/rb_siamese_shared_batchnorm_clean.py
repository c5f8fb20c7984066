# nnlint-expect: clean
# source: https://github.com/keras-team/keras/issues/8794
# One branch shared by two inputs, Siamese-style: the batch-norm sees each input once.
import torch
from torch import nn


class Siamese(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.embed = nn.Linear(d, d)
        self.bn = nn.BatchNorm1d(d)

    def forward(self, left, right):
        a = self.bn(self.embed(left))
        b = self.bn(self.embed(right))
        return torch.cosine_similarity(a, b)
