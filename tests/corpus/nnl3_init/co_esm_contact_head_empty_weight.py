# nnlint-expect: NNL304
# source: https://github.com/NVIDIA-BioNeMo/bionemo-recipes/pull/983
# A protein language model's contact-prediction head allocates its regression weight with
# torch.empty when exported, and nothing ever initialises it.
import torch
import torch.nn as nn


class ContactPredictionHead(nn.Module):
    def __init__(self, in_features, eos_idx=2):
        super().__init__()
        self.eos_idx = eos_idx
        self.weight = nn.Parameter(torch.empty(1, in_features))
        self.bias = nn.Parameter(torch.zeros(1))
        self.activation = nn.Sigmoid()

    def forward(self, attentions):
        batch, layers, heads, seqlen, _ = attentions.size()
        attentions = attentions.view(batch, layers * heads, seqlen, seqlen)
        attentions = 0.5 * (attentions + attentions.transpose(-1, -2))
        features = attentions.permute(0, 2, 3, 1)
        return self.activation((features @ self.weight.t()).squeeze(3) + self.bias)
