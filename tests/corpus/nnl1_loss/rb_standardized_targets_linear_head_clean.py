# nnlint-expect: clean
# source: https://github.com/ThilinaRajapakse/simpletransformers/issues/704
# Standardized regression targets under a plain linear head: no activation clips them.
import torch
import torch.nn as nn


class RegressionHead(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.dense = nn.Linear(hidden, hidden)
        self.out_proj = nn.Linear(hidden, 1)

    def forward(self, features):
        return self.out_proj(torch.tanh(self.dense(features)))


features = torch.randn(64, 768)
scores = torch.rand(64, 1) * 5
labels = (scores - scores.mean()) / scores.std()
head = RegressionHead(768)
loss = nn.MSELoss()(head(features), labels)
