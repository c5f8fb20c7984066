# nnlint-expect: part-of train.py
# source: https://github.com/jindongwang/Deep-learning-activity-recognition/issues/10
import torch.nn as nn


class BaseHarNet(nn.Module):
    """Feature extractor shared by every activity model; subclasses define classify()."""

    def __init__(self, channels=9):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(channels, 32, (1, 9)), nn.ReLU(), nn.MaxPool2d((1, 2)),
            nn.Conv2d(32, 64, (1, 9)), nn.ReLU(), nn.MaxPool2d((1, 2)),
        )

    def classify(self, h):
        raise NotImplementedError

    def forward(self, x):
        return self.classify(self.features(x).flatten(1))
