# nnlint-expect: NNL202
# source: https://github.com/NTMC-Community/MatchZoo-py/pull/69
# A ranking cross-entropy loss: the per-group scores are turned into probabilities with
# softmax and then logged without an epsilon, giving NaN once a score underflows.
import torch
import torch.nn as nn
import torch.nn.functional as F


class RankCrossEntropyLoss(nn.Module):
    def __init__(self, num_neg=1):
        super().__init__()
        self.num_neg = num_neg

    def forward(self, y_pred, y_true):
        logits = y_pred[::(self.num_neg + 1), :]
        labels = y_true[::(self.num_neg + 1), :]
        for neg_idx in range(self.num_neg):
            logits = torch.cat((logits, y_pred[(neg_idx + 1)::(self.num_neg + 1), :]), dim=-1)
            labels = torch.cat((labels, y_true[(neg_idx + 1)::(self.num_neg + 1), :]), dim=-1)
        probs = F.softmax(logits, dim=-1)
        return torch.mean(-torch.sum(labels * torch.log(probs), dim=-1))
