# nnlint-expect: clean
# source: https://github.com/huggingface/peft/blob/main/src/peft/tuners/frod/layer.py
# Splitting a matrix into unit directions and magnitudes: the columns whose norm is 0 are
# left out of the division by a boolean mask computed from the norm itself.
import torch
from torch import nn


class DirectionMagnitude(nn.Module):
    def __init__(self, weight):
        super().__init__()
        directions, magnitudes = self.split(weight.detach())
        self.directions = nn.Parameter(directions)
        self.magnitudes = nn.Parameter(magnitudes)

    @staticmethod
    def split(weight):
        magnitudes = torch.linalg.norm(weight, dim=0)
        directions = torch.zeros_like(weight)
        nonzero = magnitudes > 1e-12
        directions[:, nonzero] = weight[:, nonzero] / magnitudes[nonzero]
        return directions, magnitudes

    def forward(self, x):
        return x @ (self.directions * self.magnitudes).T
