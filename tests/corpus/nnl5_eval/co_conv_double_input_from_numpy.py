# nnlint-expect: NNL505
# source: https://github.com/pytorch/pytorch/issues/2138
# A kernel and an input built with np.random.random_sample are float64; the input goes into
# an nn.Conv2d whose weights are float32, and the call fails with a Double/Float mismatch.
import numpy as np
import torch
import torch.nn as nn

kernel = torch.from_numpy(np.random.random_sample((1, 3)))
input_ = torch.from_numpy(np.random.random_sample((1, 1, 1, 6)))

model = nn.Sequential(nn.Conv2d(1, 1, (1, 3), stride=1, padding=0, bias=False))
with torch.no_grad():
    model[0].weight.copy_(kernel.view(1, 1, 1, 3))
out = model(input_)
