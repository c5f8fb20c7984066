# nnlint-expect: NNL109
# source: https://github.com/lightly-ai/lightly/pull/1341
# A prior-matching regulariser compares the mean prototype assignment with a power-law
# prior, passing the mean of softmax probabilities to F.kl_div as the input.
import torch
import torch.nn as nn
import torch.nn.functional as F


def power_law_distribution(size, exponent, device=None):
    ranks = torch.arange(1, size + 1, device=device, dtype=torch.float)
    weights = ranks ** -exponent
    return weights / weights.sum()


class PMSNLoss(nn.Module):
    def __init__(self, temperature=0.1, power_law_exponent=0.25, regularization_weight=1.0):
        super().__init__()
        self.temperature = temperature
        self.exponent = power_law_exponent
        self.weight = regularization_weight

    def forward(self, anchors, prototypes):
        probs = F.softmax(anchors @ prototypes.T / self.temperature, dim=1)
        mean_probs = probs.mean(dim=0)
        target = power_law_distribution(mean_probs.shape[0], self.exponent, mean_probs.device)
        return self.weight * F.kl_div(mean_probs, target, reduction="sum")
