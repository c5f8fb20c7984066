# nnlint-expect: NNL204
# source: https://github.com/huggingface/sentence-transformers/pull/4033
# Euclidean similarity for embeddings written as -sqrt(sum((a - b)^2)); identical anchor and
# positive embeddings make TripletLoss gradients NaN even when the loss is zero.
import torch
import torch.nn as nn
import torch.nn.functional as F


def pairwise_euclidean_sim(a, b):
    return -torch.sqrt(torch.sum((a - b) ** 2, dim=-1))


class TripletLoss(nn.Module):
    def __init__(self, model, triplet_margin=5.0):
        super().__init__()
        self.model = model
        self.triplet_margin = triplet_margin

    def forward(self, anchor, positive, negative):
        rep_a, rep_p, rep_n = (self.model(x) for x in (anchor, positive, negative))
        distance_pos = -pairwise_euclidean_sim(rep_a, rep_p)
        distance_neg = -pairwise_euclidean_sim(rep_a, rep_n)
        return F.relu(distance_pos - distance_neg + self.triplet_margin).mean()
