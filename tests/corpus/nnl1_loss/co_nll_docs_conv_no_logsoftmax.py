# nnlint-expect: NNL102
# source: https://github.com/pytorch/pytorch/pull/12703
# The 2-D example of NLLLoss fed a convolution's raw output straight into the loss; without
# a LogSoftmax the loss is sometimes negative.
import torch
import torch.nn as nn

N, C = 5, 4
loss = nn.NLLLoss()
data = torch.randn(N, 16, 10, 10)
conv = nn.Conv2d(16, C, (3, 3))
target = torch.empty(N, 8, 8, dtype=torch.long).random_(0, C)
output = loss(conv(data), target)
output.backward()
