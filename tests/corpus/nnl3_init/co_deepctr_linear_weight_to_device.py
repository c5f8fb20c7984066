# nnlint-expect: NNL303
# source: https://github.com/shenweichen/DeepCTR-Torch/issues/87
# The linear part of a CTR model makes its dense-feature weight a Parameter and then moves
# it with .to(device); the result is a non-leaf tensor, not a registered parameter.
import torch
import torch.nn as nn


class Linear(nn.Module):
    def __init__(self, dense_dims, init_std=1e-4, device="cpu"):
        super().__init__()
        self.weight = nn.Parameter(torch.Tensor(dense_dims, 1)).to(device)
        torch.nn.init.normal_(self.weight, mean=0, std=init_std)

    def forward(self, dense_values):
        return dense_values.matmul(self.weight)
