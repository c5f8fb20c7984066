# nnlint-expect: clean
# source: https://learntinker.com/lessons/linear-layers-collapse
# A lesson shows that two stacked linear layers compute one linear map: it builds the stack
# without an activation on purpose, says so in the comment above it, trains it, and then
# builds the same stack with a ReLU to compare. The first model is linear by design.
import torch
from torch import nn

torch.manual_seed(0)
X = torch.randn(256, 2)
y = (X[:, 0] * X[:, 1] > 0).long()

# we use the nn package to create our linear model
# each Linear module has a weight and a bias
linear_net = nn.Sequential(
    nn.Linear(2, 16),
    nn.Linear(16, 2),
)

# the same layers with a non-linearity between them
relu_net = nn.Sequential(
    nn.Linear(2, 16),
    nn.ReLU(),
    nn.Linear(16, 2),
)

for net in (linear_net, relu_net):
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    for _ in range(200):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(net(X), y)
        loss.backward()
        optimizer.step()
    print(loss.item())
