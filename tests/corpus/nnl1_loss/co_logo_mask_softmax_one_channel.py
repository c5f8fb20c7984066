# nnlint-expect: NNL106
# source: https://github.com/AyanKumarBhunia/Deep-One-Shot-Logo-Retrieval/issues/7
# The segmentation decoder predicts a one-channel logo mask and applies softmax over the
# channel axis, as the paper said; with one channel the mask is 1 everywhere.
import torch
import torch.nn as nn


class MaskDecoder(nn.Module):
    def __init__(self, cin=512):
        super().__init__()
        self.up = nn.Sequential(
            nn.ConvTranspose2d(cin, 128, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.ReLU(),
        )
        self.head = nn.Conv2d(64, 1, 1)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, fused):
        return self.softmax(self.head(self.up(fused)))


decoder = MaskDecoder()
bce = nn.BCELoss()


def mask_loss(fused, target_mask):
    return bce(decoder(fused), target_mask)
