# nnlint-expect: NNL106
# source: https://github.com/dnouri/nolearn/issues/178
# nnlint-xfail: Linear(100, 1) followed by nn.Softmax(dim=1) inside one nn.Sequential: NNL106 checks a softmax applied in forward to a one-unit layer, not consecutive items of a Sequential (in a class or at module level)
# A binary classifier with one output unit and a softmax output nonlinearity: the row
# always sums to one, so the single output is always 1. A PyTorch port of the net.
import torch
import torch.nn as nn

net = nn.Sequential(
    nn.Linear(30, 100), nn.ReLU(),
    nn.Linear(100, 1), nn.Softmax(dim=1),
)
loss_fn = nn.BCELoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)

for epoch in range(100):
    for X, y in []:
        optimizer.zero_grad()
        loss = loss_fn(net(X).squeeze(1), y.float())
        loss.backward()
        optimizer.step()
