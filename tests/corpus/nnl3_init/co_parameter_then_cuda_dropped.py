# nnlint-expect: NNL303
# source: https://github.com/pytorch/pytorch/issues/94828
# nn.Parameter(...).cuda() returns a plain tensor, so self.t is not registered and the
# learnable offset is missing from model.parameters().
import torch


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.t = torch.nn.Parameter(torch.rand(10, 10), requires_grad=True).cuda()
        self.linear = torch.nn.Linear(10, 20)

    def forward(self, x):
        x = x @ self.t
        return self.linear(x)
