# nnlint-expect: clean
# source: https://github.com/Aifred-Health/VulcanAI/issues/81
# The valid configurations from the report: no prediction activation with CrossEntropyLoss,
# or nn.LogSoftmax with NLLLoss; the activation is a class handed in and built inside.
import torch
import torch.nn as nn


class DenseNet(nn.Module):
    def __init__(self, in_dim, n_classes, pred_activation=None, criter_spec=nn.CrossEntropyLoss()):
        super().__init__()
        self.hidden = nn.Linear(in_dim, 64)
        self.tail = nn.Linear(64, n_classes)
        self.pred_activation = pred_activation(dim=1) if pred_activation is not None else None
        self.criter_spec = criter_spec

    def forward(self, x):
        out = self.tail(torch.relu(self.hidden(x)))
        if self.pred_activation is not None:
            out = self.pred_activation(out)
        return out

    def step(self, x, y):
        return self.criter_spec(self(x), y)


logits_net = DenseNet(20, 3)
log_prob_net = DenseNet(20, 3, pred_activation=nn.LogSoftmax, criter_spec=nn.NLLLoss())
