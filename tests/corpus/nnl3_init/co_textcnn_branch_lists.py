# nnlint-expect: NNL302
# source: https://github.com/pytorch/pytorch/issues/1053
# The text-CNN report again, in the shape where the list of convolutions is chosen in the
# two branches of an if in __init__ (multi-channel embeddings or not); both branches store a
# plain list.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self, emb_dim=300, n_filters=100, widths=(3, 4, 5), multichannel=False, n_classes=2):
        super().__init__()
        if multichannel:
            self.convs = [nn.Conv2d(2, n_filters, (w, emb_dim)) for w in widths]
        else:
            self.convs = [nn.Conv1d(emb_dim, n_filters, w) for w in widths]
        self.multichannel = multichannel
        self.fc = nn.Linear(n_filters * len(widths), n_classes)

    def forward(self, emb):
        if self.multichannel:
            feats = [F.relu(c(emb)).squeeze(3).max(dim=2).values for c in self.convs]
        else:
            feats = [F.relu(c(emb)).max(dim=2).values for c in self.convs]
        return self.fc(torch.cat(feats, dim=1))
