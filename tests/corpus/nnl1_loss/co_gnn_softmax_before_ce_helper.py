# nnlint-expect: NNL101
# source: https://github.com/mlelarge/graph_neural_net/pull/37
# An edge classifier for graph matching: the model's final step is a softmax over the
# node dimension, and the loss helper wraps nn.CrossEntropyLoss around it.
import torch
import torch.nn as nn


class EdgeClassifier(nn.Module):
    def __init__(self, in_features, hidden=64):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, hidden))
        self.softmax = nn.Softmax(dim=2)

    def forward(self, node_emb):
        h = self.mlp(node_emb)
        scores = torch.bmm(h, h.transpose(1, 2))
        return self.softmax(scores)


class TripletLoss(nn.Module):
    def __init__(self):
        super().__init__()
        self.loss = nn.CrossEntropyLoss(reduction="mean")

    def forward(self, raw_scores, target):
        return self.loss(raw_scores.flatten(0, 1), target.flatten())


def train_epoch(model, criterion, loader, optimizer):
    for graphs, target in loader:
        optimizer.zero_grad()
        loss = criterion(model(graphs), target)
        loss.backward()
        optimizer.step()
