# nnlint-expect: NNL606
# source: https://github.com/lyhue1991/torchkeras/issues/94
# nnlint-xfail: the StepLR is built at module level and reaches StepRunner through its constructor (self.lr_scheduler), and the batch loop is in EpochRunner calling another object's __call__; nnlint follows neither constructor arguments into attributes nor a loop into a callable object
# A Keras-like StepRunner steps the learning-rate scheduler after every batch; the user
# passes a StepLR meant to halve the rate every few epochs.
import torch
import torch.nn as nn


class StepRunner:
    def __init__(self, net, loss_fn, optimizer, lr_scheduler):
        self.net, self.loss_fn = net, loss_fn
        self.optimizer, self.lr_scheduler = optimizer, lr_scheduler

    def __call__(self, features, labels):
        preds = self.net(features)
        loss = self.loss_fn(preds, labels)
        loss.backward()
        self.optimizer.step()
        self.lr_scheduler.step()
        self.optimizer.zero_grad()
        return loss.item()


class EpochRunner:
    def __init__(self, steprunner):
        self.steprunner = steprunner

    def __call__(self, dataloader):
        total = 0.0
        for features, labels in dataloader:
            total += self.steprunner(features, labels)
        return total / len(dataloader)


net = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3))
optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.5)
runner = EpochRunner(StepRunner(net, nn.CrossEntropyLoss(), optimizer, scheduler))
