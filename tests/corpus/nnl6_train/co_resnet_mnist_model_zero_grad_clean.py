# nnlint-expect: clean
# source: https://github.com/marrrcin/pytorch-resnet-mnist/issues/2
# model.zero_grad() instead of optimizer.zero_grad(): the optimizer holds every parameter of
# the model, so both clear the same gradients; the loop is correct.
import torch
from torch import nn
from torchvision.models import resnet18


class MnistResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = resnet18(num_classes=10)
        self.net.conv1 = nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)

    def forward(self, x):
        return self.net(x)


def train(loader, epochs=5):
    model = MnistResNet()
    loss_function = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adadelta(model.parameters())
    for epoch in range(epochs):
        model.train()
        for X, y in loader:
            model.zero_grad()
            loss = loss_function(model(X), y)
            loss.backward()
            optimizer.step()
    return model
