# nnlint-expect: clean
# source: https://github.com/rasbt/LLMs-from-scratch/pull/131
# A notebook compares attention implementations (one with a registered mask buffer, one
# building the mask on the fly) and checks that they agree. Each module takes its dropout rate
# as a required argument, and the comparison builds both with dropout=0.0: the dropout drops
# nothing in either mode, so running them under no_grad without eval() is deterministic.
import torch
import torch.nn as nn


class CausalAttentionBuffer(nn.Module):
    def __init__(self, d_in, d_out, context_length, dropout, qkv_bias=False):
        super().__init__()
        self.W_qkv = nn.Linear(d_in, 3 * d_out, bias=qkv_bias)
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("mask", torch.triu(torch.ones(context_length, context_length), diagonal=1))

    def forward(self, x):
        q, k, v = self.W_qkv(x).chunk(3, dim=-1)
        scores = q @ k.transpose(1, 2)
        t = x.shape[1]
        scores = scores.masked_fill(self.mask.bool()[:t, :t], float("-inf"))
        weights = self.dropout(torch.softmax(scores / k.shape[-1] ** 0.5, dim=-1))
        return weights @ v


class CausalAttentionOnTheFly(nn.Module):
    def __init__(self, d_in, d_out, dropout, qkv_bias=False):
        super().__init__()
        self.W_qkv = nn.Linear(d_in, 3 * d_out, bias=qkv_bias)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        q, k, v = self.W_qkv(x).chunk(3, dim=-1)
        t = x.shape[1]
        mask = torch.triu(torch.ones(t, t, device=x.device), diagonal=1).bool()
        scores = (q @ k.transpose(1, 2)).masked_fill(mask, float("-inf"))
        weights = self.dropout(torch.softmax(scores / k.shape[-1] ** 0.5, dim=-1))
        return weights @ v


torch.manual_seed(123)
batch = torch.randn(2, 6, 3)
with_buffer = CausalAttentionBuffer(3, 2, context_length=6, dropout=0.0)
on_the_fly = CausalAttentionOnTheFly(3, 2, 0.0)
on_the_fly.load_state_dict(with_buffer.state_dict(), strict=False)

with torch.no_grad():
    a = with_buffer(batch)
    b = on_the_fly(batch)
print(torch.allclose(a, b))
