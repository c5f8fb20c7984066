# nnlint-expect: clean
# source: https://github.com/taoyang1122/adapt-image-models/issues/36
# An adapter's up-projection starts at zero on purpose: the adapted ViT begins as the
# pretrained one and the adapter grows from there; the down-projection is random.
import torch.nn as nn


class Adapter(nn.Module):
    def __init__(self, d_model, skip_connect=True, mlp_ratio=0.25):
        super().__init__()
        hidden = int(d_model * mlp_ratio)
        self.skip_connect = skip_connect
        self.act = nn.GELU()
        self.D_fc1 = nn.Linear(d_model, hidden)
        self.D_fc2 = nn.Linear(hidden, d_model)
        nn.init.constant_(self.D_fc2.weight, 0)
        nn.init.constant_(self.D_fc2.bias, 0)

    def forward(self, x):
        xs = self.D_fc2(self.act(self.D_fc1(x)))
        return x + xs if self.skip_connect else xs
