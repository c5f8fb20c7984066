# nnlint-expect: clean
# source: https://github.com/pytorch/pytorch/issues/57491
# A seed_torch helper seeds random, numpy and torch before the model is built.
import os
import random

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim


def seed_torch(seed=123):
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


seed_torch()
model = nn.LSTM(100, 256, batch_first=True)
optimizer = optim.Adam(model.parameters(), lr=1e-3)
