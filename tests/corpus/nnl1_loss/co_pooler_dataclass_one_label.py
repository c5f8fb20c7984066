# nnlint-expect: NNL106
# source: https://github.com/vllm-project/vllm/pull/18313
# The single-label pooler report in a config-driven shape: the number of labels is a field of
# a dataclass config (num_labels = 1) and the head applies softmax over it.
from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class ClassifierConfig:
    hidden_size: int = 2048
    num_labels: int = 1


class ClassifierPooler(nn.Module):
    def __init__(self, config: ClassifierConfig):
        super().__init__()
        self.score = nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, last_hidden):
        return torch.softmax(self.score(last_hidden[:, -1]), dim=-1)


pooler = ClassifierPooler(ClassifierConfig())
