# nnlint-expect: clean
# source: https://github.com/torch/nn/issues/357
# The answer's recipe for one output value between 0 and 1: Linear + Sigmoid + BCE, not a
# one-unit softmax.
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 1), nn.Sigmoid())
criterion = nn.BCELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)


def step(x, y):
    optimizer.zero_grad()
    loss = criterion(model(x).squeeze(1), y.float())
    loss.backward()
    optimizer.step()
    return loss.item()
