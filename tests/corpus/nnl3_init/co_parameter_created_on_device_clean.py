# nnlint-expect: clean
# source: https://github.com/pytorch/pytorch/issues/17484
# The fix from the report: the tensor is created (or moved) on the device first and then
# wrapped, so the attribute is the Parameter itself; requires_grad_ works in place and
# still returns the Parameter.
import torch
import torch.nn as nn


class PatchEmbedding(nn.Module):
    def __init__(self, num_patches, dim, patch_dim, device="cuda"):
        super().__init__()
        self.proj = nn.Linear(patch_dim, dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim, device=device))
        self.pos = nn.Parameter(torch.randn(1, num_patches + 1, dim).to(device) * 0.02)
        self.scale = nn.Parameter(torch.ones(dim)).requires_grad_(False)

    def forward(self, patches):
        x = self.proj(patches)
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        return torch.cat([cls, x], dim=1) * self.scale + self.pos
