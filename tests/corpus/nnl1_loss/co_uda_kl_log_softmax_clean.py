# nnlint-expect: clean
# source: https://github.com/peisuke/UnsupervisedDataAugmentation.pytorch/issues/2
# The UDA consistency loss: the prediction on the augmented input goes in as
# log_softmax, the clean prediction as the probability target, as KLDivLoss expects.
import torch
import torch.nn as nn
import torch.nn.functional as F

kl = nn.KLDivLoss(reduction="batchmean")


def uda_loss(model, x, x_aug, x_lab, y_lab, lam=1.0):
    sup = F.cross_entropy(model(x_lab), y_lab)
    with torch.no_grad():
        pred_x = F.softmax(model(x), dim=1)
    pred_x_h = F.log_softmax(model(x_aug), dim=1)
    return sup + lam * kl(pred_x_h, pred_x)
