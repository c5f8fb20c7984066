# nnlint-expect: NNL302
# source: https://github.com/pytorch/pytorch/issues/666
# The number of hidden layers is an argument, so the layers go into a list comprehension;
# print(model) and model.parameters() show only self.layer.
import torch.nn as nn


class DepthNet(nn.Module):
    def __init__(self, num_layers, width=1):
        super().__init__()
        self.layer = nn.Linear(width, width)
        self.list_of_layers = [nn.Linear(width, width) for _ in range(num_layers)]

    def forward(self, x):
        x = self.layer(x)
        for layer in self.list_of_layers:
            x = layer(x).relu()
        return x
