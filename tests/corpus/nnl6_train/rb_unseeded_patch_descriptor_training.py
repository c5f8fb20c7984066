# nnlint-expect: NNL612
# source: https://github.com/lg-zhang/dynamic-soft-margin-pytorch/issues/3
# A descriptor-learning script trained from random initial weights and shuffled batches with
# no seed anywhere: every run of the script gives a different trained descriptor (saved for
# the benchmark), so different numbers.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

net = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(128))
data = TensorDataset(torch.randn(512, 1, 32, 32), torch.randn(512, 1, 32, 32))
loader = DataLoader(data, batch_size=64, shuffle=True)
optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)

for epoch in range(10):
    for anchor, positive in loader:
        optimizer.zero_grad()
        loss = (net(anchor) - net(positive)).pow(2).sum(1).mean()
        loss.backward()
        optimizer.step()

torch.save(net.state_dict(), "descriptor.pth")
