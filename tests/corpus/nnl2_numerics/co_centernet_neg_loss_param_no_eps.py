# nnlint-expect: NNL201,NNL202
# source: https://github.com/maudzung/RTM3D/issues/13
# The CenterNet-style heatmap focal loss (pred is a sigmoid output) takes log(pred) and log(1 - pred) of the predicted
# heatmap with no epsilon; a heatmap value of exactly 0 or 1 makes the loss NaN.
import torch


def _neg_loss(pred, gt):
    pos_inds = gt.eq(1).float()
    neg_inds = gt.lt(1).float()
    neg_weights = torch.pow(1 - gt, 4)
    pos_loss = torch.log(pred) * torch.pow(1 - pred, 2) * pos_inds
    neg_loss = torch.log(1 - pred) * torch.pow(pred, 2) * neg_weights * neg_inds
    num_pos = pos_inds.float().sum()
    pos_loss, neg_loss = pos_loss.sum(), neg_loss.sum()
    if num_pos == 0:
        return -neg_loss
    return -(pos_loss + neg_loss) / num_pos


class FocalLoss(torch.nn.Module):
    def forward(self, out, target):
        return _neg_loss(torch.sigmoid(out), target)
