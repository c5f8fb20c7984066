# nnlint-expect: clean
# source: https://github.com/mlelarge/graph_neural_net/pull/37
# The fixed edge classifier returns the raw pairwise scores; the loss module wraps
# nn.CrossEntropyLoss, which applies the log-softmax itself, and the softmax is kept for
# the prediction only.
import torch
import torch.nn as nn


class EdgeClassifier(nn.Module):
    def __init__(self, in_features, hidden=64):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, hidden))

    def forward(self, node_emb):
        h = self.mlp(node_emb)
        return torch.bmm(h, h.transpose(1, 2))

    def predict(self, node_emb):
        return torch.softmax(self(node_emb), dim=2)


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
