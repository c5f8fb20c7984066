# nnlint-expect: clean
# source: https://place55.com/2023/12/13/implementing-lora-from-scratch/
# LoRA from scratch: every pretrained weight is frozen, then a helper walks the model and
# swaps each Linear for a wrapper holding new, trainable low-rank matrices; the optimizer
# built after it over model.parameters() trains exactly those.
import math

import torch
import torch.nn as nn


class LoRALinear(nn.Module):
    def __init__(self, linear, rank=8, alpha=16):
        super().__init__()
        self.linear = linear
        self.A = nn.Parameter(torch.empty(rank, linear.in_features))
        self.B = nn.Parameter(torch.zeros(linear.out_features, rank))
        nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))
        self.scale = alpha / rank

    def forward(self, x):
        return self.linear(x) + (x @ self.A.t() @ self.B.t()) * self.scale


def add_lora(module, rank, alpha):
    for name, child in module.named_children():
        if isinstance(child, nn.Linear):
            setattr(module, name, LoRALinear(child, rank, alpha))
        else:
            add_lora(child, rank, alpha)


def prepare_for_finetuning(model):
    for param in model.parameters():
        param.requires_grad = False
    add_lora(model, rank=8, alpha=16)
    return torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.01)
