# nnlint-expect: clean
# source: https://github.com/pytorch/pytorch/issues/5102
# Pooled image features concatenated with a side feature, then a two-layer head with a
# ReLU between the layers, and an iterative refinement loop that is non-linear too.
import torch
import torch.nn as nn
import torch.nn.functional as F


class PooledHead(nn.Module):
    def __init__(self, channels=64, side=1, hidden=32, n_classes=2, n_iter=3):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels)
        self.fc1 = nn.Linear(channels + side, hidden)
        self.fc2 = nn.Linear(hidden, n_classes)
        self.refine = nn.Linear(hidden + n_classes, hidden)
        self.n_iter = n_iter

    def forward(self, x, f):
        x = F.adaptive_avg_pool2d(self.bn(x), 1).flatten(1)
        h = F.relu(self.fc1(torch.cat([x, f], dim=-1)))
        logits = self.fc2(h)
        for _ in range(self.n_iter):
            h = torch.relu(self.refine(torch.cat([h, logits], dim=1)))
            logits = self.fc2(h) + logits
        return logits
