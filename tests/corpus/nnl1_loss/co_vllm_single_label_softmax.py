# nnlint-expect: NNL106
# source: https://github.com/vllm-project/vllm/pull/18313
# A sequence-classification pooler with one label applies softmax over that one score,
# so every prompt gets probability 1.0.
import torch
import torch.nn as nn


class ClassifierPooler(nn.Module):
    def __init__(self, hidden_size=2048):
        super().__init__()
        self.score = nn.Linear(hidden_size, 1)

    def forward(self, last_hidden):
        logits = self.score(last_hidden[:, -1])
        return torch.softmax(logits, dim=-1)
