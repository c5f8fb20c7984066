# nnlint-expect: NNL302
# source: https://github.com/ignacio-rocco/detectorch/issues/4
# A two-stage detector groups its conv body and box head in a tuple attribute to iterate
# over them; .train()/.eval() and .cuda() never reach them.
import torch.nn as nn


class Detector(nn.Module):
    def __init__(self, backbone_channels=1024, n_classes=81):
        super().__init__()
        conv_body = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3), nn.BatchNorm2d(64), nn.ReLU(),
                                  nn.Conv2d(64, backbone_channels, 3, 2, 1), nn.ReLU())
        box_head = nn.Sequential(nn.Conv2d(backbone_channels, 256, 3, padding=1), nn.ReLU())
        self.stages = (conv_body, box_head)
        self.cls_score = nn.Conv2d(256, n_classes, 1)

    def forward(self, images):
        x = images
        for stage in self.stages:
            x = stage(x)
        return self.cls_score(x)
