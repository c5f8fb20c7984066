# nnlint-expect: NNL107
# source: https://github.com/svishwa/crowdcount-cascaded-mtl/issues/22
# The density-level classifier of a cascaded crowd-counting net calls F.softmax without
# dim; the asker cannot tell whether the axis should be 0 or 1.
import torch
import torch.nn as nn
import torch.nn.functional as F


class CMTL(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.base = nn.Sequential(nn.Conv2d(1, 16, 9, padding=4), nn.PReLU(), nn.Conv2d(16, 32, 7, padding=3), nn.PReLU())
        self.hl_prior = nn.Sequential(nn.AdaptiveMaxPool2d((32, 32)), nn.Conv2d(32, 4, 1), nn.PReLU())
        self.hl_fc = nn.Sequential(nn.Linear(4 * 32 * 32, 512), nn.PReLU(), nn.Dropout(0.5), nn.Linear(512, num_classes))

    def forward(self, im_data):
        x_base = self.base(im_data)
        x_hlp = self.hl_prior(x_base).flatten(1)
        density_cls_score = self.hl_fc(x_hlp)
        density_cls_prob = F.softmax(density_cls_score)
        return density_cls_score, density_cls_prob
