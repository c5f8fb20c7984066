# nnlint-expect: clean
# source: https://github.com/ugent-korea/pytorch-unet-segmentation/issues/18
# The maintainers' answer: the U-Net has neither dropout nor batch-norm, so validating it
# under no_grad without model.eval() changes nothing.
import torch
import torch.nn as nn


def double_conv(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(inplace=True),
    )


class CleanUNet(nn.Module):
    def __init__(self, n_classes=2):
        super().__init__()
        self.down1 = double_conv(1, 64)
        self.down2 = double_conv(64, 128)
        self.pool = nn.MaxPool2d(2)
        self.up = nn.ConvTranspose2d(128, 64, 2, stride=2)
        self.dec = double_conv(128, 64)
        self.out = nn.Conv2d(64, n_classes, 1)

    def forward(self, x):
        d1 = self.down1(x)
        d2 = self.down2(self.pool(d1))
        u = self.up(d2)
        return self.out(self.dec(torch.cat([u, d1], dim=1)))


def validate_model(model, data_val, criterion, device):
    total_val_loss = 0.0
    for images, masks in data_val:
        with torch.no_grad():
            images, masks = images.to(device), masks.to(device)
            output = model(images)
            total_val_loss += criterion(output, masks).item()
    return total_val_loss / len(data_val)
