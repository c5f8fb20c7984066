# nnlint-expect: NNL303
# source: https://github.com/SimonThomine/RememberingNormality/issues/7
# A memory module's keys and values are random tensors moved to cuda but not wrapped in
# nn.Parameter: they are used as weights of an attention read and never learn.
import torch
import torch.nn as nn
import torch.nn.functional as F


class NormalityMemory(nn.Module):
    def __init__(self, L=50, channel=256):
        super().__init__()
        self.keys = torch.randn(L, channel).to("cuda")
        self.values = torch.randn(L, channel).to("cuda")

    def forward(self, query):
        b, c, h, w = query.shape
        q = query.permute(0, 2, 3, 1).reshape(-1, c)
        attn = F.softmax(q @ self.keys.t(), dim=-1)
        read = attn @ self.values
        return read.view(b, h, w, c).permute(0, 3, 1, 2)
