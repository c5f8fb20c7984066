# nnlint-expect: clean
# source: https://github.com/wagonhelm/NaNmnist/issues/2
# The maintainer's reply: the model is a single-layer softmax regression, where zero weights
# are fine (no hidden units whose symmetry would need breaking).
import torch
import torch.nn as nn


class SoftmaxRegression(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(784, 10)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, x):
        return self.linear(x.flatten(1))


model = SoftmaxRegression()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
