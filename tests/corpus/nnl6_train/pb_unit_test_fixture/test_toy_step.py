# nnlint-expect: clean
# source: https://github.com/Lightning-AI/pytorch-lightning/blob/master/tests/tests_fabric/strategies/test_single_device.py
# A unit test of a training wrapper: the model is a placeholder (two Linears in a row) and
# the learning rate only has to make the parameters move so that the test can compare them.
import torch
from torch import nn


def _toy_model():
    return nn.Sequential(nn.Linear(32, 16), nn.Linear(16, 2))


def test_optimizer_step_changes_parameters():
    model = _toy_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    before = [p.detach().clone() for p in model.parameters()]
    model(torch.randn(4, 32)).sum().backward()
    optimizer.step()
    optimizer.zero_grad()
    assert all(not torch.equal(a, b) for a, b in zip(before, model.parameters()))
