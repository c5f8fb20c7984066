# nnlint-expect: NNL502
# source: https://github.com/ashafahi/free_adv_train/issues/4
# Wide ResNet with batch-norm evaluated on clean test images after each adversarial
# training epoch; the batch-norm layers are never switched off for the evaluation.
import torch
import torch.nn as nn
import torch.nn.functional as F


class WideBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.short = nn.Conv2d(cin, cout, 1, stride, bias=False)

    def forward(self, x):
        o = F.relu(self.bn1(x))
        y = self.conv2(F.relu(self.bn2(self.conv1(o))))
        return y + self.short(o)


class WideResNet(nn.Module):
    def __init__(self, n_classes=10, width=4):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.blocks = nn.Sequential(WideBlock(16, 16 * width, 1), WideBlock(16 * width, 32 * width, 2))
        self.bn = nn.BatchNorm2d(32 * width)
        self.fc = nn.Linear(32 * width, n_classes)

    def forward(self, x):
        x = F.relu(self.bn(self.blocks(self.stem(x))))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


model = WideResNet()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
eps, replays = 8 / 255, 4


def train_free(loader):
    delta = None
    for images, labels in loader:
        if delta is None:
            delta = torch.zeros_like(images, requires_grad=True)
        for _ in range(replays):
            adv = (images + delta).clamp(0, 1)
            loss = F.cross_entropy(model(adv), labels)
            optimizer.zero_grad()
            loss.backward()
            delta.data = (delta + eps * delta.grad.sign()).clamp(-eps, eps)
            optimizer.step()


def evaluate(loader):
    correct = 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (model(images).argmax(1) == labels).sum().item()
    return correct / len(loader.dataset)
