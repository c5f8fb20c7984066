# nnlint-expect: part-of engine.py
# source: https://github.com/eecn/Hyperspectral-Classification/issues/21
import torch.nn as nn


class HamidaNet(nn.Module):
    """3-D convolutional hyperspectral classifier with dropout before the head."""

    def __init__(self, input_channels, n_classes, dilation=1):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv3d(1, 20, (3, 3, 3), padding=(1, 1, 1), dilation=dilation),
            nn.ReLU(),
            nn.Conv3d(20, 35, (3, 3, 3), padding=(1, 0, 0)),
            nn.ReLU(),
        )
        self.dropout = nn.Dropout(p=0.5)
        self.fc = nn.LazyLinear(n_classes)

    def forward(self, x):
        x = self.features(x).flatten(1)
        return self.fc(self.dropout(x))


def get_model(name, **kwargs):
    if name == "hamida":
        return HamidaNet(kwargs["n_bands"], kwargs["n_classes"])
    raise KeyError(name)
