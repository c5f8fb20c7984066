# nnlint-expect: NNL403
# source: https://github.com/NX-AI/tirex/issues/19
# A residual block takes a dropout rate and builds the dropout layer, but the forward path
# never applies it, so the rate the user tunes does nothing.
import torch
from torch import nn


class ResidualBlock(nn.Module):
    def __init__(self, in_dim, hidden_dim, out_dim, dropout=0.1):
        super().__init__()
        self.hidden = nn.Linear(in_dim, hidden_dim)
        self.output = nn.Linear(hidden_dim, out_dim)
        self.skip = nn.Linear(in_dim, out_dim)
        self.dropout = nn.Dropout(dropout)
        self.act = nn.SiLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.act(self.hidden(x))
        return self.output(h) + self.skip(x)
