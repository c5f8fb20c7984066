# nnlint-expect: clean
# source: https://github.com/carpedm20/DCGAN-tensorflow/issues/266
# A discriminator called on the real batch and on the fake batch: one batch-norm per layer,
# each applied once per call.
import torch
import torch.nn as nn


class Discriminator(nn.Module):
    def __init__(self, channels=64):
        super().__init__()
        self.conv1 = nn.Conv2d(3, channels, 4, 2, 1)
        self.conv2 = nn.Conv2d(channels, channels * 2, 4, 2, 1)
        self.bn2 = nn.BatchNorm2d(channels * 2)
        self.out = nn.Conv2d(channels * 2, 1, 8)

    def forward(self, x):
        x = nn.functional.leaky_relu(self.conv1(x), 0.2)
        x = nn.functional.leaky_relu(self.bn2(self.conv2(x)), 0.2)
        return self.out(x).view(-1)


netD = Discriminator()
real = torch.randn(8, 3, 32, 32)
fake = torch.randn(8, 3, 32, 32)
scores = netD(real), netD(fake)
