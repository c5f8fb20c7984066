# nnlint-expect: NNL204
# source: https://github.com/tilman151/rul-adapt/pull/22
# A domain-adaptation loss for remaining-useful-life models builds pairwise euclidean
# distances with sqrt of summed squares; two identical feature vectors give an infinite
# gradient.
import torch
import torch.nn as nn


def _pairwise_euclidean(x, y):
    diff = x.unsqueeze(1) - y.unsqueeze(0)
    return torch.sqrt(torch.sum(diff ** 2, dim=-1))


class HealthyStateAlignmentLoss(nn.Module):
    def __init__(self, margin=1.0):
        super().__init__()
        self.margin = margin

    def forward(self, source_features, target_features):
        dist = _pairwise_euclidean(source_features, target_features)
        return torch.relu(dist - self.margin).mean()
