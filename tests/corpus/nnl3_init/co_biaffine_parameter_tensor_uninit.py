# nnlint-expect: NNL304
# source: https://github.com/suolyer/PyTorch_BERT_Biaffine_NER/pull/3
# The biaffine scorer's weight is nn.Parameter(torch.Tensor(...)) and is never initialised,
# so it holds whatever memory it got: huge values and NaN logits.
import torch
import torch.nn as nn


class Biaffine(nn.Module):
    def __init__(self, in_size, out_size, bias_x=True, bias_y=True):
        super().__init__()
        self.bias_x, self.bias_y = bias_x, bias_y
        self.U = nn.Parameter(torch.Tensor(in_size + int(bias_x), out_size, in_size + int(bias_y)))

    def forward(self, x, y):
        if self.bias_x:
            x = torch.cat((x, torch.ones_like(x[..., :1])), dim=-1)
        if self.bias_y:
            y = torch.cat((y, torch.ones_like(y[..., :1])), dim=-1)
        return torch.einsum("bxi,ioj,byj->bxyo", x, self.U, y)
