# nnlint-expect: clean
# source: https://github.com/jay-mahadeokar/pynetbuilder/issues/8
# A ResNet with its batch-norm layers removed, as asked in the issue: it may train worse,
# but every block has an identity shortcut, so it is not a deep plain stack.
import torch.nn as nn


class BasicBlockNoBN(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        out = self.relu(self.conv1(x))
        out = self.conv2(out)
        return self.relu(out + x)


class ResNetNoBN(nn.Module):
    def __init__(self, n_blocks=16, channels=64, n_classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, channels, 3, padding=1)
        self.blocks = nn.Sequential(*[BasicBlockNoBN(channels) for _ in range(n_blocks)])
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, n_classes)

    def forward(self, x):
        return self.fc(self.pool(self.blocks(self.stem(x))).flatten(1))
