# nnlint-expect: NNL606
# source: https://github.com/pytorch/pytorch/issues/3814
# The question in the thread: scheduler.step() right after optimizer.step() in the batch
# loop. The scheduler is an epoch-milestone MultiStepLR built by a helper in another file, so
# its milestones pass after 150 batches instead of 150 epochs.
import torch
import torch.nn as nn

from optim_utils import build_optimizer, build_scheduler


def train(model, loader, epochs=200):
    criterion = nn.CrossEntropyLoss()
    optimizer = build_optimizer(model)
    scheduler = build_scheduler(optimizer)
    for epoch in range(epochs):
        model.train()
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = criterion(model(inputs), targets)
            loss.backward()
            optimizer.step()
            scheduler.step()
