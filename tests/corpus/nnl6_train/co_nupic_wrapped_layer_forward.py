# nnlint-expect: NNL604
# source: https://github.com/numenta/nupic.torch/pull/51
# A sparse-weights wrapper calls the wrapped layer's forward method directly, so forward
# hooks registered on the inner layer are ignored.
import torch
import torch.nn as nn


class SparseWeights(nn.Module):
    def __init__(self, module, weight_sparsity=0.5):
        super().__init__()
        self.module = module
        n = module.weight.numel()
        zero_idx = torch.randperm(n)[: int(n * (1 - weight_sparsity))]
        mask = torch.ones(n)
        mask[zero_idx] = 0
        self.register_buffer("zero_mask", mask.view_as(module.weight).bool())

    def forward(self, x):
        with torch.no_grad():
            self.module.weight.masked_fill_(~self.zero_mask, 0.0)
        return self.module.forward(x)


layer = SparseWeights(nn.Linear(128, 64))
