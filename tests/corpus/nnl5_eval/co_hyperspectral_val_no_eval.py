# nnlint-expect: NNL502
# source: https://github.com/nshaud/DeepHyperX/issues/51
# A hyperspectral patch classifier with dropout and batch-norm; the per-epoch validation
# helper runs it under no_grad but never switches it to eval mode.
import torch
import torch.nn as nn
import torch.nn.functional as F


class SpectralCNN(nn.Module):
    def __init__(self, bands, n_classes, patch=5):
        super().__init__()
        self.conv1 = nn.Conv3d(1, 20, (3, 3, 3))
        self.bn1 = nn.BatchNorm3d(20)
        self.conv2 = nn.Conv3d(20, 40, (3, 3, 3))
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(40 * (bands - 4) * (patch - 4) ** 2, n_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.conv2(x))
        x = self.drop(x.flatten(1))
        return self.fc(x)


def val(net, data_loader, device="cpu"):
    accuracy, total = 0.0, 0.0
    for data, target in data_loader:
        with torch.no_grad():
            data, target = data.to(device), target.to(device)
            output = net(data)
            pred = output.argmax(dim=1)
            accuracy += (pred == target).sum().item()
            total += target.numel()
    return accuracy / total


def train(net, optimizer, train_loader, val_loader, epochs, device="cpu"):
    for epoch in range(epochs):
        net.train()
        for data, target in train_loader:
            data, target = data.to(device), target.to(device)
            optimizer.zero_grad()
            loss = F.cross_entropy(net(data), target)
            loss.backward()
            optimizer.step()
        print(epoch, val(net, val_loader, device))
