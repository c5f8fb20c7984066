# nnlint-expect: NNL103
# source: https://github.com/NVIDIA-Merlin/models/pull/1175
# A recommender's BinaryOutput head applies a sigmoid; its default loss was
# BCEWithLogitsLoss, so the sigmoid ran twice.
import torch
from torch import nn


class BinaryOutput(nn.Module):
    def __init__(self, in_features, loss=None):
        super().__init__()
        self.to_call = nn.Sequential(nn.Linear(in_features, 1), nn.Sigmoid())
        self.loss = loss if loss is not None else nn.BCEWithLogitsLoss()

    def forward(self, inputs):
        return self.to_call(inputs).squeeze(-1)


class Recommender(nn.Module):
    def __init__(self, n_items=1000, dim=32):
        super().__init__()
        self.emb = nn.Embedding(n_items, dim)
        self.output = BinaryOutput(dim)

    def forward(self, item_ids):
        return self.output(self.emb(item_ids).mean(1))

    def train_step(self, item_ids, clicked, optimizer):
        optimizer.zero_grad()
        loss = self.output.loss(self(item_ids), clicked.float())
        loss.backward()
        optimizer.step()
        return loss.item()
