# nnlint-expect: part-of train.py
# source: https://github.com/microsoft/vscode-python/issues/5069
import torch.nn as nn


def constant_weights(m, value=1.0):
    # Every Linear layer of whatever model this is applied to gets the same constant.
    if isinstance(m, nn.Linear):
        nn.init.constant_(m.weight, value)
        nn.init.constant_(m.bias, 0)
