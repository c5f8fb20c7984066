# nnlint-expect: NNL401
# source: https://github.com/nkolot/SPIN/issues/107
# The iterative pose/shape regressor goes fc1 -> dropout -> fc2 -> dropout -> decoders;
# dropout is not a nonlinearity, so fc1 and fc2 compose into one linear map.
import torch
import torch.nn as nn


class Regressor(nn.Module):
    def __init__(self, feat_dim=2048, npose=144):
        super().__init__()
        self.fc1 = nn.Linear(feat_dim + npose + 13, 1024)
        self.drop1 = nn.Dropout()
        self.fc2 = nn.Linear(1024, 1024)
        self.drop2 = nn.Dropout()
        self.decpose = nn.Linear(1024, npose)
        self.decshape = nn.Linear(1024, 10)
        self.deccam = nn.Linear(1024, 3)

    def forward(self, xf, pred_pose, pred_shape, pred_cam, n_iter=3):
        for _ in range(n_iter):
            xc = torch.cat([xf, pred_pose, pred_shape, pred_cam], 1)
            xc = self.drop1(self.fc1(xc))
            xc = self.drop2(self.fc2(xc))
            pred_pose = self.decpose(xc) + pred_pose
            pred_shape = self.decshape(xc) + pred_shape
            pred_cam = self.deccam(xc) + pred_cam
        return pred_pose, pred_shape, pred_cam
