# nnlint-expect: clean
# source: https://github.com/yhenon/pytorch-retinanet/issues/3
# The focal loss clamps the classification probabilities to [1e-4, 1 - 1e-4] before it
# takes log(p) and log(1 - p), which is the answer to the question.
import torch
import torch.nn as nn


class FocalLoss(nn.Module):
    def forward(self, classifications, targets, alpha=0.25, gamma=2.0):
        losses = []
        for j in range(classifications.shape[0]):
            classification = classifications[j]
            classification = torch.clamp(classification, 1e-4, 1.0 - 1e-4)
            target = targets[j]
            alpha_factor = torch.where(target == 1.0, alpha, 1.0 - alpha)
            focal_weight = torch.where(target == 1.0, 1.0 - classification, classification)
            focal_weight = alpha_factor * focal_weight.pow(gamma)
            bce = -(target * torch.log(classification) + (1.0 - target) * torch.log(1.0 - classification))
            num_pos = torch.clamp((target == 1.0).sum().float(), min=1.0)
            losses.append((focal_weight * bce).sum() / num_pos)
        return torch.stack(losses).mean()
