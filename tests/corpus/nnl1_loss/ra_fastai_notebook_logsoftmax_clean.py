# nnlint-expect: clean
# source: https://github.com/fastai/fastai/pull/965
# The fixed notebook: ReLU only between the hidden layers, the last Linear goes straight
# into LogSoftmax, and NLLLoss gets proper log-probabilities.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

images = torch.randn(512, 784)
labels = torch.randint(0, 10, (512,))
loader = DataLoader(TensorDataset(images, labels), batch_size=64, shuffle=True)

net = nn.Sequential(
    nn.Linear(784, 100),
    nn.ReLU(),
    nn.Linear(100, 10),
    nn.LogSoftmax(dim=1),
)
loss_fn = nn.NLLLoss()
opt = torch.optim.SGD(net.parameters(), lr=0.1)

for epoch in range(3):
    for xb, yb in loader:
        opt.zero_grad()
        loss = loss_fn(net(xb), yb)
        loss.backward()
        opt.step()
