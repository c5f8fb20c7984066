# nnlint-expect: NNL108
# source: https://github.com/forresti/SqueezeNet/issues/10
# SqueezeNet's classifier conv10 is followed by a ReLU before global pooling, so the class
# scores handed to cross-entropy can never be negative; the author had no reason for it.
import torch
import torch.nn as nn


class Fire(nn.Module):
    def __init__(self, cin, squeeze, expand):
        super().__init__()
        self.squeeze = nn.Sequential(nn.Conv2d(cin, squeeze, 1), nn.ReLU(inplace=True))
        self.e1 = nn.Sequential(nn.Conv2d(squeeze, expand, 1), nn.ReLU(inplace=True))
        self.e3 = nn.Sequential(nn.Conv2d(squeeze, expand, 3, padding=1), nn.ReLU(inplace=True))

    def forward(self, x):
        s = self.squeeze(x)
        return torch.cat([self.e1(s), self.e3(s)], 1)


class SqueezeNet(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 96, 7, stride=2), nn.ReLU(inplace=True),
                                      nn.MaxPool2d(3, 2), Fire(96, 16, 64), Fire(128, 16, 64))
        self.conv10 = nn.Conv2d(128, num_classes, 1)
        self.classifier = nn.Sequential(nn.Dropout(0.5), self.conv10, nn.ReLU(inplace=True),
                                        nn.AdaptiveAvgPool2d(1))

    def forward(self, x):
        return torch.flatten(self.classifier(self.features(x)), 1)


net = SqueezeNet()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.04, momentum=0.9)


def step(images, labels):
    optimizer.zero_grad()
    loss = criterion(net(images), labels)
    loss.backward()
    optimizer.step()
