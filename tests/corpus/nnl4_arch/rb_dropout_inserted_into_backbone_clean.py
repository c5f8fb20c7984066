# nnlint-expect: clean
# source: https://github.com/yjxiong/tsn-pytorch/issues/41
# The dropout looks unused in forward, but it replaces the backbone's last layer by name, so
# the backbone's own forward applies it.
import torch.nn as nn
import torchvision


class SegmentConsensusNet(nn.Module):
    def __init__(self, num_class, dropout=0.8):
        super().__init__()
        self.base_model = torchvision.models.resnet50()
        feature_dim = self.base_model.fc.in_features
        self.dropout = nn.Dropout(p=dropout)
        setattr(self.base_model, "fc", self.dropout)
        self.new_fc = nn.Linear(feature_dim, num_class)

    def forward(self, x):
        return self.new_fc(self.base_model(x))
