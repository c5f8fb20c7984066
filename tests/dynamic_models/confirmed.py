"""Models with and without the bug of NNL301, NNL302 and NNL502, for the confirmation tests."""
import torch
import torch.nn as nn


class DropoutNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(12, 32)
        self.drop = nn.Dropout(0.3)
        self.fc2 = nn.Linear(32, 3)

    def forward(self, x):
        return self.fc2(self.drop(torch.relu(self.fc1(x))))


class BatchNormNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(12, 32)
        self.bn = nn.BatchNorm1d(32)
        self.fc2 = nn.Linear(32, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.bn(self.fc1(x))))


class ZeroOutput(nn.Module):
    """A zero output layer: its rows start identical, but each class's row gets its own gradient."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(12, 32)
        self.out = nn.Linear(32, 3)
        nn.init.zeros_(self.out.weight)

    def forward(self, x):
        return self.out(torch.relu(self.fc1(x)))


class UnusedList(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(12, 3)
        self.extra = [nn.Linear(12, 12)]

    def forward(self, x):
        return self.fc(x)


class UsedList(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = [nn.Linear(12, 12), nn.Linear(12, 3)]

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x


class RegisteredList(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(12, 12), nn.Linear(12, 3)])

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x


def evaluate(model, loader):
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
    return correct


class SkipsDropout(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(12, 32)
        self.dropout = nn.Dropout(0.5)
        self.fc2 = nn.Linear(32, 3)
        self.fc_unused = nn.Linear(32, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))
