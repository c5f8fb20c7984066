# nnlint-expect: NNL201
# source: https://github.com/mkocabas/focal-loss-keras/issues/17
# A port of the binary focal loss: pt_1 and pt_0 are picked from sigmoid outputs with
# torch.where and go straight into log, so a saturated prediction gives -inf.
import torch


def binary_focal_loss(y_true, logits, gamma=2.0, alpha=0.25):
    y_pred = torch.sigmoid(logits)
    pt_1 = torch.where(y_true == 1, y_pred, torch.ones_like(y_pred))
    pt_0 = torch.where(y_true == 0, y_pred, torch.zeros_like(y_pred))
    return (-torch.sum(alpha * torch.pow(1.0 - pt_1, gamma) * torch.log(pt_1))
            - torch.sum((1 - alpha) * torch.pow(pt_0, gamma) * torch.log(1.0 - pt_0)))
