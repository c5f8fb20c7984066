# nnlint-expect: clean
# source: https://github.com/lucidrains/denoising-diffusion-pytorch/blob/main/denoising_diffusion_pytorch/karras_unet.py
# Magnitude-preserving sum (Karras et al. 2024): the denominator (1 - t)^2 + t^2 is at
# least 1/2 for every t, so the square root and the division are safe.
from math import sqrt

import torch
from torch import nn


class MPSum(nn.Module):
    def __init__(self, t=0.3):
        super().__init__()
        self.t = t

    def forward(self, a, b):
        t = self.t
        scale = 1.0 / sqrt((1.0 - t) ** 2 + t ** 2)
        return (a * (1.0 - t) + b * t) * scale


class MPCat(nn.Module):
    def __init__(self, t=0.5, dim=-1):
        super().__init__()
        self.t, self.dim = t, dim

    def forward(self, a, b):
        t = self.t
        na, nb = a.shape[self.dim], b.shape[self.dim]
        c = torch.sqrt(torch.tensor((na + nb) / ((1.0 - t) ** 2 + t ** 2)))
        return torch.cat((a * (1.0 - t) / sqrt(na), b * t / sqrt(nb)), dim=self.dim) * c
