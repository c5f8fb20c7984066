# nnlint-expect: clean
# source: https://github.com/YyzHarry/imbalanced-regression/issues/28
# Age estimation: the maintainers keep the last layer a plain Linear (no output range
# limit) and only clip predictions at inference time.
import torch
import torch.nn as nn
from torchvision.models import resnet50


class AgeRegressor(nn.Module):
    def __init__(self):
        super().__init__()
        backbone = resnet50()
        backbone.fc = nn.Identity()
        self.backbone = backbone
        self.linear = nn.Linear(2048, 1)

    def forward(self, x):
        return self.linear(self.backbone(x))


model = AgeRegressor()
criterion = nn.L1Loss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)


def train_epoch(loader):
    model.train()
    for images, ages in loader:
        optimizer.zero_grad()
        loss = criterion(model(images).squeeze(1), ages)
        loss.backward()
        optimizer.step()


@torch.no_grad()
def predict(images):
    model.eval()
    return model(images).squeeze(1).clamp(0, 99)
