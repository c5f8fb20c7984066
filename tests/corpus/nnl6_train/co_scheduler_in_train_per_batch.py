# nnlint-expect: NNL606
# source: https://github.com/pytorch/pytorch/issues/3814
# The reporter's train() steps a MultiStepLR right after optimizer.step() on every batch;
# milestones written in epochs are reached after a few hundred iterations.
import torch
import torch.nn as nn
from torch.optim.lr_scheduler import MultiStepLR

model = nn.Sequential(nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 10))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = MultiStepLR(optimizer, milestones=[30, 60, 90], gamma=0.1)


def train(loader):
    model.train()
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        loss.backward()
        optimizer.step()
        scheduler.step()


for epoch in range(100):
    train(train_loader)  # noqa: F821 - defined by the notebook cell above
