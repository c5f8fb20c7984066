# nnlint-expect: NNL401
# source: https://github.com/somepago/saint/issues/23
# The tabular transformer's output MLP is built from a list of dims as Linear layers only,
# so the whole stack is one linear map.
import torch.nn as nn


class simple_MLP(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(dims[0], dims[1]),
            nn.Linear(dims[1], dims[2]),
        )

    def forward(self, x):
        if len(x.shape) == 1:
            x = x.view(x.size(0), -1)
        return self.layers(x)


head = simple_MLP([32, 1000, 2])
