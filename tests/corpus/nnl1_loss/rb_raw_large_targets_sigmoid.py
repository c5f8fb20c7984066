# nnlint-expect: NNL110
# source: https://stackoverflow.com/questions/9048031/neural-network-output-scaling-the-output-range
# nnlint-xfail: the targets are raw numbers in the thousands; nothing in the file prepares them, so their range is not seen
# A sigmoid output asked to produce values in the thousands.
import torch
import torch.nn as nn

inputs = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1000.0, 1.0], [1.0, 1.0]])
targets = torch.tensor([[0.0], [1000.0], [1.0], [0.0]])
net = nn.Sequential(nn.Linear(2, 8), nn.Sigmoid(), nn.Linear(8, 1), nn.Sigmoid())
optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
for _ in range(1000):
    optimizer.zero_grad()
    loss = nn.MSELoss()(net(inputs), targets)
    loss.backward()
    optimizer.step()
