# nnlint-expect: NNL201
# source: https://github.com/gnn-tracking/gnn_tracking/issues/138
# An edge-classification focal loss picks p_t with torch.where from the sigmoid of the edge
# weights and takes its log unguarded; a saturated edge weight makes p_t exactly 0 in float32
# and the loss NaN now and then, until 0s and 1s are masked.
import torch
import torch.nn as nn


class FocalLoss(nn.Module):
    def __init__(self, alpha=0.25, gamma=2.0):
        super().__init__()
        self.alpha = alpha
        self.gamma = gamma

    def forward(self, edge_logits, y):
        p = torch.sigmoid(edge_logits)
        pt = torch.where(y == 1, p, 1 - p)
        alpha_t = torch.where(y == 1, self.alpha, 1 - self.alpha)
        loss = -alpha_t * (1 - pt) ** self.gamma * torch.log(pt)
        return loss.mean()
