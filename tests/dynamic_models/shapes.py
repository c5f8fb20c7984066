"""Models with and without a shape mismatch, for the shape check (NNL907) tests."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class CifarCNN(nn.Module):
    def __init__(self, num_classes=10, flat=64 * 6 * 6):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.fc1 = nn.Linear(flat, 128)
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(128, num_classes)

    def forward(self, x):
        x = torch.flatten(self.features(x), 1)
        return self.fc2(self.drop(F.relu(self.fc1(x))))


class FixedCifarCNN(CifarCNN):
    def __init__(self):
        super().__init__(flat=64 * 8 * 8)


class ViewLeNet(nn.Module):
    def __init__(self, flat=16 * 6 * 6):
        super().__init__()
        self.flat = flat
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(flat, 120)
        self.fc2 = nn.Linear(120, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, self.flat)
        return self.fc2(F.relu(self.fc1(x)))


class FixedViewLeNet(ViewLeNet):
    def __init__(self):
        super().__init__(flat=16 * 5 * 5)


class WideMLP(nn.Module):
    def __init__(self, hidden=(256, 128)):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(784, 256),
            nn.ReLU(),
            nn.Linear(hidden[0], hidden[1]),
            nn.ReLU(),
            nn.Linear(64, 10),
        )

    def forward(self, x):
        return self.net(x.flatten(1))


class FixedWideMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                                 nn.Linear(128, 10))

    def forward(self, x):
        return self.net(x.flatten(1))


class ImageAndTabular(nn.Module):
    """forward(image, features): needs the config to name both inputs' shapes."""

    def __init__(self):
        super().__init__()
        self.cnn = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.tab = nn.Linear(12, 16)
        self.head = nn.Linear(8 + 12, 2)

    def forward(self, image, features):
        return self.head(torch.cat([self.cnn(image), F.relu(self.tab(features))], dim=1))


class HugeHead(nn.Module):
    """600M parameters (2.4 GB as float32): only the meta device can check it under the tests' memory limit."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(16, 30000)
        self.head = nn.Linear(20000, 20000)

    def forward(self, x):
        return self.head(torch.relu(self.embed(x)))


class For96(nn.Module):
    """Built for 96x96 images (STL-10): none of the usual sizes fits, 96 does."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(4))
        self.fc = nn.Linear(8 * 24 * 24, 10)

    def forward(self, x):
        return self.fc(self.features(x).flatten(1))
