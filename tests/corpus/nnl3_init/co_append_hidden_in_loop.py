# nnlint-expect: NNL302
# source: https://github.com/pytorch/pytorch/issues/38639
# An MLP whose hidden layers are appended to a list attribute in a loop over a size list.
import torch
import torch.nn as nn


class Mlp(nn.Module):
    def __init__(self, sizes=(784, 512, 256, 10)):
        super().__init__()
        self.hidden = []
        for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
            self.hidden.append(nn.Linear(n_in, n_out))
        self.out = nn.Linear(sizes[-2], sizes[-1])

    def forward(self, x):
        for layer in self.hidden:
            x = torch.relu(layer(x))
        return self.out(x)


model = Mlp()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
