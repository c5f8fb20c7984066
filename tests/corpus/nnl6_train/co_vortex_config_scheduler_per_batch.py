# nnlint-expect: NNL606
# source: https://github.com/nodefluxio/vortex/issues/58
# nnlint-xfail: DefaultTrainer is never built in this file, so cfg is a parameter nobody passes; getattr(lr_scheduler, name) is resolved only when the string reaching it is known (a caller, a literal, a default)
# A default trainer builds its scheduler from a config string and steps it on every batch
# update, whatever the scheduler is; with StepLR the epoch schedule runs per iteration.
import torch
from torch.optim import lr_scheduler

config = {"optimizer": {"method": "SGD", "args": {"lr": 0.01, "momentum": 0.9}},
          "scheduler": {"method": "StepLR", "args": {"step_size": 10, "gamma": 0.5}}}


class DefaultTrainer:
    def __init__(self, model, criterion, cfg):
        self.model = model
        self.criterion = criterion
        opt_cls = getattr(torch.optim, cfg["optimizer"]["method"])
        self.optimizer = opt_cls(model.parameters(), **cfg["optimizer"]["args"])
        sched_cls = getattr(lr_scheduler, cfg["scheduler"]["method"])
        self.scheduler = sched_cls(self.optimizer, **cfg["scheduler"]["args"])

    def train(self, dataloader, epoch):
        self.model.train()
        for inputs, targets in dataloader:
            self.optimizer.zero_grad()
            loss = self.criterion(self.model(inputs), targets)
            loss.backward()
            self.optimizer.step()
            self.scheduler.step()
