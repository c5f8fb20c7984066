# nnlint-expect: clean
# source: https://github.com/StanfordASL/neural-network-lyapunov/pull/26
# A ReLU network builder with a flag for whether the output layer has a ReLU; the
# Lyapunov candidate, which must be allowed to go negative before the offset, is built
# with last_layer_is_relu=False.
import torch
import torch.nn as nn


def relu_network(widths, last_layer_is_relu=False):
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2 or last_layer_is_relu:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


lyapunov = relu_network([2, 16, 16, 1], last_layer_is_relu=False)
opt = torch.optim.Adam(lyapunov.parameters(), lr=1e-3)


def fit(states, values, iters=500):
    for _ in range(iters):
        opt.zero_grad()
        loss = nn.functional.mse_loss(lyapunov(states).squeeze(-1), values)
        loss.backward()
        opt.step()
