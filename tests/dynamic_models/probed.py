"""Small real models whose probe results the dynamic tests check (never run by static tests)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class SoftmaxClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 4)

    def forward(self, x):
        return F.softmax(self.fc2(F.relu(self.fc1(x))), dim=1)


class ConstantMLP(nn.Module):
    def __init__(self, constant=True):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 32)
        self.fc3 = nn.Linear(32, 4)
        if constant:
            for m in self.modules():
                if isinstance(m, nn.Linear):
                    nn.init.constant_(m.weight, 0.1)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class DefaultMLP(ConstantMLP):
    def __init__(self):
        super().__init__(constant=False)


class LogPool(nn.Module):
    def forward(self, x):
        return torch.log(F.relu(x)).mean(dim=1, keepdim=True)


class LogNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.pool = LogPool()

    def forward(self, x):
        return self.pool(self.fc(x))


class ListNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = [nn.Linear(8, 8), nn.Linear(8, 3)]

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class DeadReluNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 64)
        self.act = nn.ReLU()
        self.out = nn.Linear(64, 3)
        nn.init.constant_(self.fc.bias, -50.0)

    def forward(self, x):
        return self.out(self.act(self.fc(x)))


class DeepSigmoid(nn.Module):
    def __init__(self):
        super().__init__()
        layers = []
        for _ in range(12):
            layers += [nn.Linear(16, 16), nn.Sigmoid()]
        self.body = nn.Sequential(*layers, nn.Linear(16, 3))

    def forward(self, x):
        return self.body(x)


class FeatureExtractor(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2), nn.ReLU())

    def forward(self, images):
        return self.conv(images.div(255.0)).flatten(1)


def train(model, x, y):
    optimizer = torch.optim.Adam(model.parameters())
    loss = nn.CrossEntropyLoss()(model(x), y)
    loss.backward()
    optimizer.step()


train(SoftmaxClassifier(), torch.randn(4, 16), torch.tensor([0, 1, 2, 3]))
