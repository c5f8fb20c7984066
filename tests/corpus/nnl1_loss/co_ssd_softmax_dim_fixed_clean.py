# nnlint-expect: clean
# source: https://github.com/amdegroot/ssd.pytorch/issues/114
# After the maintainer's fix the SSD test-phase softmax names its axis; the class scores
# are normalised per prior.
import torch
import torch.nn as nn


class SSDHead(nn.Module):
    def __init__(self, phase, num_classes=21, channels=512, n_anchors=4):
        super().__init__()
        self.phase = phase
        self.num_classes = num_classes
        self.loc = nn.Conv2d(channels, n_anchors * 4, 3, padding=1)
        self.conf = nn.Conv2d(channels, n_anchors * num_classes, 3, padding=1)
        if phase == "test":
            self.softmax = nn.Softmax(dim=-1)

    def forward(self, feat):
        loc = self.loc(feat).permute(0, 2, 3, 1).reshape(feat.size(0), -1, 4)
        conf = self.conf(feat).permute(0, 2, 3, 1).reshape(feat.size(0), -1, self.num_classes)
        if self.phase == "test":
            return loc, self.softmax(conf)
        return loc, conf
