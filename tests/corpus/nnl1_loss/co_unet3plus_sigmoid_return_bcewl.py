# nnlint-expect: NNL103
# source: https://github.com/avBuffer/UNet3plus_pth/issues/23
# The segmentation net returns F.sigmoid(d1) and train.py applies BCEWithLogitsLoss to it;
# the loss plateaus.
import torch
import torch.nn as nn
import torch.nn.functional as F


class TinyUNet3Plus(nn.Module):
    def __init__(self, in_channels=3, n_classes=1):
        super().__init__()
        self.enc1 = nn.Sequential(nn.Conv2d(in_channels, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU())
        self.enc2 = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU())
        self.fuse = nn.Sequential(nn.Conv2d(192, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU())
        self.outconv = nn.Conv2d(64, n_classes, 3, padding=1)

    def forward(self, x):
        h1 = self.enc1(x)
        h2 = F.interpolate(self.enc2(h1), scale_factor=2, mode="bilinear")
        d1 = self.outconv(self.fuse(torch.cat([h1, h2], 1)))
        return F.sigmoid(d1)


net = TinyUNet3Plus()
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.RMSprop(net.parameters(), lr=1e-4, weight_decay=1e-8, momentum=0.9)

for epoch in range(5):
    for imgs, true_masks in []:
        masks_pred = net(imgs)
        loss = criterion(masks_pred, true_masks)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
