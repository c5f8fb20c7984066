# nnlint-expect: clean
# source: https://github.com/maudzung/RTM3D/issues/13
# The maintainer's answer: the heatmap goes through a _sigmoid helper that clamps to
# [1e-4, 1 - 1e-4] before the focal loss takes its logs.
import torch


def _sigmoid(x):
    return torch.clamp(x.sigmoid_(), min=1e-4, max=1 - 1e-4)


def focal_loss(pred, gt):
    pos_inds = gt.eq(1).float()
    neg_inds = gt.lt(1).float()
    neg_weights = torch.pow(1 - gt, 4)
    pos_loss = (torch.log(pred) * torch.pow(1 - pred, 2) * pos_inds).sum()
    neg_loss = (torch.log(1 - pred) * torch.pow(pred, 2) * neg_weights * neg_inds).sum()
    num_pos = pos_inds.sum()
    return -neg_loss if num_pos == 0 else -(pos_loss + neg_loss) / num_pos


def compute_loss(outputs, targets):
    hm = _sigmoid(outputs["hm_mc"])
    return focal_loss(hm, targets["hm_mc"])
