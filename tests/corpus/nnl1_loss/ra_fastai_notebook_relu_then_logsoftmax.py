# nnlint-expect: NNL108
# source: https://github.com/fastai/fastai/pull/965
# A notebook-style MNIST script: the classifier's last Linear is followed by a ReLU and then
# LogSoftmax inside one nn.Sequential, trained with NLLLoss. The non-negative scores mean no
# class can be scored below a class at 0; the pull request drops the ReLU.
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
    nn.ReLU(),
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
