# nnlint-expect: NNL303
# source: https://github.com/d2l-ai/d2l-en/pull/1713
# A from-scratch MLP scales its random weights after wrapping them: `nn.Parameter(...) * 0.01`
# is the product, a non-leaf plain tensor, so the module registers no weight at all.
import torch
from torch import nn


class ScratchMLP(nn.Module):
    def __init__(self, num_inputs=784, num_hiddens=256, num_outputs=10, sigma=0.01):
        super().__init__()
        self.W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens)) * sigma
        self.b1 = nn.Parameter(torch.zeros(num_hiddens))
        self.W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs)) * sigma
        self.b2 = nn.Parameter(torch.zeros(num_outputs))

    def forward(self, X):
        H = torch.relu(X.reshape(-1, self.W1.shape[0]) @ self.W1 + self.b1)
        return H @ self.W2 + self.b2


net = ScratchMLP()
trainer = torch.optim.SGD(net.parameters(), lr=0.1)
