# nnlint-expect: NNL107
# source: https://github.com/qubvel-org/segmentation_models.pytorch/issues/143
# nnlint-xfail: nn.Softmax(**params) with params empty for the 'softmax' string: nnlint treats **kwargs as possibly holding dim, and does not evaluate the string-selected branch with the caller's arguments
# The segmentation head's activation is chosen by a string; "softmax" maps to nn.Softmax()
# with no dim, which triggers the deprecation warning on every forward.
import torch.nn as nn


class Activation(nn.Module):
    def __init__(self, name, **params):
        super().__init__()
        if name is None or name == "identity":
            self.activation = nn.Identity(**params)
        elif name == "sigmoid":
            self.activation = nn.Sigmoid()
        elif name == "softmax":
            self.activation = nn.Softmax(**params)
        elif name == "logsoftmax":
            self.activation = nn.LogSoftmax(**params)
        else:
            raise ValueError(name)

    def forward(self, x):
        return self.activation(x)


class SegmentationHead(nn.Sequential):
    def __init__(self, in_channels, out_channels, kernel_size=3, activation=None):
        conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2)
        super().__init__(conv2d, Activation(activation))


head = SegmentationHead(16, 4, activation="softmax")
