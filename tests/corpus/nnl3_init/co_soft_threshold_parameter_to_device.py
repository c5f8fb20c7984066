# nnlint-expect: NNL303
# source: https://github.com/pytorch/pytorch/issues/39062
# A learnable soft-threshold (shrinkage) layer moves its per-channel threshold to the GPU
# right where it creates it; .to() returns a plain copy, so the threshold never trains
# and is missing from model.parameters() and state_dict().
import torch
import torch.nn as nn


class SoftThreshold(nn.Module):
    def __init__(self, channels, init=0.1, device="cuda"):
        super().__init__()
        self.threshold = nn.Parameter(torch.full((1, channels, 1, 1), init)).to(device)

    def forward(self, x):
        return torch.sign(x) * torch.relu(x.abs() - self.threshold)


class Denoiser(nn.Module):
    def __init__(self, channels=32):
        super().__init__()
        self.encode = nn.Conv2d(1, channels, 3, padding=1)
        self.shrink = SoftThreshold(channels)
        self.decode = nn.Conv2d(channels, 1, 3, padding=1)

    def forward(self, x):
        return self.decode(self.shrink(self.encode(x)))
