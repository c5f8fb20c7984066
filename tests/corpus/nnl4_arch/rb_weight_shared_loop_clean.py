# nnlint-expect: clean
# source: https://discuss.pytorch.org/t/relationship-between-the-net-structure-and-forward/17826
# The same hidden layer applied a random number of times: every layer built is used.
import random

import torch


class DynamicDepthNet(torch.nn.Module):
    def __init__(self, d_in, hidden, d_out):
        super().__init__()
        self.first = torch.nn.Linear(d_in, hidden)
        self.shared = torch.nn.Linear(hidden, hidden)
        self.last = torch.nn.Linear(hidden, d_out)

    def forward(self, x):
        h = self.first(x).clamp(min=0)
        for _ in range(random.randint(0, 3)):
            h = self.shared(h).clamp(min=0)
        return self.last(h)
