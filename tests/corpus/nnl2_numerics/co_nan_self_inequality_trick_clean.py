# nnlint-expect: clean
# source: https://github.com/pytorch/pytorch/issues/4767
# The maintainer's answer: x != x is True exactly for NaN entries, so it is a correct NaN
# test (torch.isnan came later); the loss guard below works.
import torch


def isnan(x):
    return x != x


def guarded_backward(loss, optimizer):
    if bool(isnan(loss).any()) or bool(torch.isinf(loss).any()):
        optimizer.zero_grad()
        return False
    loss.backward()
    optimizer.step()
    return True
