# nnlint-expect: clean
# source: https://github.com/eifuentes/swae-pytorch/issues/3
# A sliced-Wasserstein autoencoder loss: random projection directions drawn from a Gaussian and
# divided by their own norm, which is 0 with probability 0.
import torch
from torch import nn


class SlicedWassersteinLoss(nn.Module):
    def __init__(self, num_projections=50, p=2):
        super().__init__()
        self.num_projections = num_projections
        self.p = p

    def forward(self, encoded, prior_samples):
        theta = torch.randn(self.num_projections, encoded.size(1), device=encoded.device)
        theta = theta / theta.norm(dim=1, keepdim=True)
        projected = encoded @ theta.T
        reference = prior_samples @ theta.T
        gap = torch.sort(projected, dim=0)[0] - torch.sort(reference, dim=0)[0]
        return gap.abs().pow(self.p).mean()
