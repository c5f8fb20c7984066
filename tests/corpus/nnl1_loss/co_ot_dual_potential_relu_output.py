# nnlint-expect: NNL105
# source: https://github.com/mikigom/large-scale-OT-mapping-TF/issues/1
# The dual potentials u(x), v(y) of regularised optimal transport are unconstrained, but
# the potential network ends in a ReLU and is fit with a squared error to targets that
# are often negative.
import torch
import torch.nn as nn


def potential_net(dim, hidden=512):
    return nn.Sequential(
        nn.Linear(dim, hidden), nn.ReLU(),
        nn.Linear(hidden, hidden), nn.ReLU(),
        nn.Linear(hidden, 1), nn.ReLU(),
    )


u = potential_net(2)
opt = torch.optim.Adam(u.parameters(), lr=1e-4)
mse = nn.MSELoss()


def fit_potential(xs, target_values, steps=1000):
    for _ in range(steps):
        opt.zero_grad()
        loss = mse(u(xs).squeeze(-1), target_values)
        loss.backward()
        opt.step()
