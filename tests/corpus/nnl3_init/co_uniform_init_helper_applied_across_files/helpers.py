# nnlint-expect: part-of train.py
# source: https://github.com/microsoft/vscode-python/issues/5069
import numpy as np
import torch.nn as nn


def uniform_rule(m):
    # The notebook's general rule: uniform in [-1/sqrt(n), 1/sqrt(n)]; only the bias constant.
    if isinstance(m, nn.Linear):
        y = 1.0 / np.sqrt(m.in_features)
        nn.init.uniform_(m.weight, -y, y)
        nn.init.constant_(m.bias, 0)
