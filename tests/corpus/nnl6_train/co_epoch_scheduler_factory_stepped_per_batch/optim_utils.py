# nnlint-expect: part-of train.py
# source: https://github.com/pytorch/pytorch/issues/3814
import torch


def build_optimizer(model, lr=0.1):
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)


def build_scheduler(optimizer):
    # Decays at epochs 75 and 150, as the CIFAR recipes do: counted in scheduler.step() calls.
    return torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[75, 150], gamma=0.1)
