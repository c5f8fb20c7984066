# nnlint-expect: clean
# source: https://github.com/seungwonpark/RandWireNN/issues/10
# A node's aggregation weights are a zero-initialised vector passed through sigmoid, so
# every input edge starts with weight 0.5; no layer weight matrix is constant.
import torch
import torch.nn as nn


class Node(nn.Module):
    def __init__(self, in_degree, in_channel, out_channel, stride=1):
        super().__init__()
        self.in_degree = in_degree
        if in_degree > 1:
            self.weights = nn.Parameter(torch.zeros(in_degree, requires_grad=True))
        self.relu = nn.ReLU()
        self.conv = nn.Conv2d(in_channel, out_channel, 3, stride, 1)
        self.bn = nn.BatchNorm2d(out_channel)

    def forward(self, *inputs):
        if self.in_degree > 1:
            x = inputs[0] * torch.sigmoid(self.weights[0])
            for index in range(1, len(inputs)):
                x = x + inputs[index] * torch.sigmoid(self.weights[index])
        else:
            x = inputs[0]
        return self.bn(self.conv(self.relu(x)))
