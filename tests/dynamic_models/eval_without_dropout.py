"""A model without dropout or batch-norm: evaluating it in training mode changes nothing."""
import torch
import torch.nn as nn


class PlainNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(12, 32)
        self.fc2 = nn.Linear(32, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def evaluate(model, loader):
    with torch.no_grad():
        return [model(x).argmax(1) for x, _ in loader]
