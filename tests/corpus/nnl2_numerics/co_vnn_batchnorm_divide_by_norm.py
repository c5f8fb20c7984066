# nnlint-expect: NNL203
# source: https://github.com/FlyingGiraffe/vnn/pull/4
# Vector-neuron batch-norm normalises the per-channel vector norms and rescales the
# vectors by norm_bn / norm; a zero vector makes the division NaN.
import torch
import torch.nn as nn


class VNBatchNorm(nn.Module):
    def __init__(self, num_features, dim=4):
        super().__init__()
        self.bn = nn.BatchNorm1d(num_features) if dim in (3, 4) else nn.BatchNorm2d(num_features)

    def forward(self, x):
        # x: [B, N_feat, 3, N_samples]
        norm = torch.norm(x, dim=2)
        norm_bn = self.bn(norm)
        norm = norm.unsqueeze(2)
        norm_bn = norm_bn.unsqueeze(2)
        return x / norm * norm_bn
