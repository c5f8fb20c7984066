# nnlint-expect: clean
# source: https://github.com/gnn-tracking/gnn_tracking/issues/138
# The fixed loss: the log-probability comes from logsigmoid of the signed logits, so p_t is
# never taken to a log, and the modulating factor uses the clamped p_t.
import torch
import torch.nn as nn
import torch.nn.functional as F


class FocalLoss(nn.Module):
    def __init__(self, alpha=0.25, gamma=2.0, eps=1e-6):
        super().__init__()
        self.alpha = alpha
        self.gamma = gamma
        self.eps = eps

    def forward(self, edge_logits, y):
        p = torch.sigmoid(edge_logits)
        pt = torch.where(y == 1, p, 1 - p).clamp(self.eps, 1 - self.eps)
        log_pt = F.logsigmoid(torch.where(y == 1, edge_logits, -edge_logits))
        alpha_t = torch.where(y == 1, self.alpha, 1 - self.alpha)
        loss = -alpha_t * (1 - pt) ** self.gamma * log_pt
        return loss.mean()
