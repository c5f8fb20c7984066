# nnlint-expect: clean
# source: https://github.com/una-dinosauria/3d-pose-baseline/issues/97
# As the author explains, the "going up" layer has batch-norm, ReLU and dropout, so no two
# linear maps are composed; the output layer is linear on purpose.
import torch.nn as nn


class LinearBlock(nn.Module):
    def __init__(self, size, p=0.5):
        super().__init__()
        self.l1 = nn.Linear(size, size)
        self.bn1 = nn.BatchNorm1d(size)
        self.l2 = nn.Linear(size, size)
        self.bn2 = nn.BatchNorm1d(size)
        self.relu = nn.ReLU(inplace=True)
        self.dropout = nn.Dropout(p)

    def forward(self, x):
        y = self.dropout(self.relu(self.bn1(self.l1(x))))
        y = self.dropout(self.relu(self.bn2(self.l2(y))))
        return x + y


class LinearModel(nn.Module):
    def __init__(self, linear_size=1024, num_stage=2, p=0.5):
        super().__init__()
        self.w1 = nn.Linear(16 * 2, linear_size)
        self.batch_norm1 = nn.BatchNorm1d(linear_size)
        self.stages = nn.ModuleList([LinearBlock(linear_size, p) for _ in range(num_stage)])
        self.w2 = nn.Linear(linear_size, 16 * 3)
        self.relu = nn.ReLU(inplace=True)
        self.dropout = nn.Dropout(p)

    def forward(self, x):
        y = self.dropout(self.relu(self.batch_norm1(self.w1(x))))
        for stage in self.stages:
            y = stage(y)
        return self.w2(y)
