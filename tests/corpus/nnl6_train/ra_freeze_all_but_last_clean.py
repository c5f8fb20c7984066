# nnlint-expect: clean
# source: https://discuss.pytorch.org/t/best-practice-for-freezing-layers/58156
# Freeze every parameter of a Sequential, unfreeze its last layer, then build the optimizer:
# the last layer trains.
import torch
import torch.nn as nn
import torch.optim as optim

model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
for parameter in model.parameters():
    parameter.requires_grad = False
for parameter in model[-1].parameters():
    parameter.requires_grad = True
optimizer = optim.SGD(model.parameters(), lr=1e0)


def train(loader):
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x.view(x.size(0), -1)), y).backward()
        optimizer.step()
