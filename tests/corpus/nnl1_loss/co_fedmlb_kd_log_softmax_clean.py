# nnlint-expect: clean
# source: https://github.com/jinkyu032/FedMLB/issues/3
# Hybrid-path distillation: q is log_softmax of the main path, p the softmax of the hybrid
# path, both tempered; kl_loss(q, p) is the intended KL(p || q).
import torch.nn as nn
import torch.nn.functional as F


def KD(input_p, input_q, T=1):
    kl_loss = nn.KLDivLoss(reduction="batchmean")
    p = F.softmax(input_p / T, dim=1)
    q = F.log_softmax(input_q / T, dim=1)
    return kl_loss(q, p)
