# nnlint-expect: part-of train.py
# source: https://github.com/jindongwang/Deep-learning-activity-recognition/issues/10
import torch.nn as nn
import torch.nn.functional as F

from base import BaseHarNet


class HarCnn(BaseHarNet):
    def __init__(self, n_classes=6):
        super().__init__()
        self.fc1 = nn.Linear(64 * 26, 500)
        self.fc2 = nn.Linear(500, n_classes)

    def classify(self, h):
        return F.softmax(self.fc2(F.relu(self.fc1(h))), dim=1)
