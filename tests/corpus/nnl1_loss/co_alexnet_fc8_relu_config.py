# nnlint-expect: NNL108
# source: https://github.com/hjptriplebee/AlexNet_with_tensorflow/issues/2
# An AlexNet whose fully connected layers are built by one helper with relu on by default,
# including fc8, the classifier; ported to PyTorch and trained with cross-entropy.
import torch
import torch.nn as nn


def fc_layer(n_in, n_out, relu=True):
    layers = [nn.Linear(n_in, n_out)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class AlexNet(nn.Module):
    def __init__(self, n_classes=1000, keep_prob=0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 96, 11, 4), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
            nn.Conv2d(96, 256, 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
            nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(6),
        )
        self.fc6 = fc_layer(384 * 36, 4096)
        self.fc7 = fc_layer(4096, 4096)
        self.fc8 = fc_layer(4096, n_classes)
        self.drop = nn.Dropout(1 - keep_prob)

    def forward(self, x):
        x = self.features(x).flatten(1)
        x = self.drop(self.fc6(x))
        x = self.drop(self.fc7(x))
        return self.fc8(x)


model = AlexNet()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
for images, labels in []:
    optimizer.zero_grad()
    criterion(model(images), labels).backward()
    optimizer.step()
