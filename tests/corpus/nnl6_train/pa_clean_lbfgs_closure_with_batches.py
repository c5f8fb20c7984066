# nnlint-expect: clean
# source: https://github.com/NeuroDiffGym/neurodiffeq/issues/83
# A solver that supports L-BFGS: the backward runs inside a closure over the batches, and the
# closure is handed to optimizer.step(), which calls it as often as the line search needs.
import torch
import torch.nn as nn

net = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1))
optimizer = torch.optim.LBFGS(net.parameters(), lr=0.5, history_size=20)
points = [torch.rand(64, 1) for _ in range(4)]


def fit(epochs=20):
    def residual_closure():
        optimizer.zero_grad()
        total = 0.0
        for x in points:
            x.requires_grad_(True)
            u = net(x)
            du = torch.autograd.grad(u.sum(), x, create_graph=True)[0]
            loss = nn.functional.mse_loss(du, -u)
            loss.backward()
            total += loss.item()
        return torch.tensor(total)

    for epoch in range(epochs):
        optimizer.step(closure=residual_closure)


fit()
