# nnlint-expect: clean
# source: https://github.com/SharifiZarchi/Introduction_to_Machine_Learning/issues/55
# The report calls zero_grad() after step() a bug; it is not: the gradients are cleared
# before the next backward() all the same. This is the notebook loop, top-level code.
import torch
import torch.nn as nn
from torchvision import datasets, transforms
from torch.utils.data import DataLoader

train_set = datasets.FashionMNIST("data", train=True, download=True, transform=transforms.ToTensor())
loader = DataLoader(train_set, batch_size=64, shuffle=True)
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)

for epoch in range(5):
    running = 0.0
    for images, labels in loader:
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        running += loss.item()
    print(epoch, running / len(loader))
