# nnlint-expect: NNL101
# source: https://github.com/jindongwang/Deep-learning-activity-recognition/issues/10
# Human-activity CNN on inertial windows: the head ends in F.softmax and the training
# loop uses nn.CrossEntropyLoss on that output.
import torch
import torch.nn as nn
import torch.nn.functional as F


class HarCnn(nn.Module):
    def __init__(self, channels=9, n_classes=6):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(channels, 32, (1, 9)), nn.ReLU(), nn.MaxPool2d((1, 2)))
        self.conv2 = nn.Sequential(nn.Conv2d(32, 64, (1, 9)), nn.ReLU(), nn.MaxPool2d((1, 2)))
        self.fc1 = nn.Sequential(nn.Linear(64 * 26, 1000), nn.ReLU())
        self.fc2 = nn.Sequential(nn.Linear(1000, 500), nn.ReLU())
        self.fc3 = nn.Linear(500, n_classes)

    def forward(self, x):
        out = self.conv2(self.conv1(x))
        out = out.reshape(-1, 64 * 26)
        out = self.fc3(self.fc2(self.fc1(out)))
        return F.softmax(out, dim=1)


model = HarCnn()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
criterion = nn.CrossEntropyLoss()


def train(train_loader, n_epochs=50):
    for epoch in range(n_epochs):
        model.train()
        for sample, target in train_loader:
            output = model(sample.float())
            loss = criterion(output, target.long())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
