# nnlint-expect: NNL301
# source: https://github.com/microsoft/vscode-python/issues/5069
# The weight-initialization notebook quoted in the report: an MLP whose Linear layers all get
# one constant weight, here through an init helper kept in another file and applied with
# model.apply(). Every unit of a layer computes the same output and gets the same gradient.
import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers import constant_weights


class Net(nn.Module):
    def __init__(self, hidden_1=256, hidden_2=128):
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, hidden_1)
        self.fc2 = nn.Linear(hidden_1, hidden_2)
        self.fc3 = nn.Linear(hidden_2, 10)
        self.dropout = nn.Dropout(0.2)

    def forward(self, x):
        x = x.view(-1, 28 * 28)
        x = self.dropout(F.relu(self.fc1(x)))
        x = self.dropout(F.relu(self.fc2(x)))
        return self.fc3(x)


model = Net()
model.apply(constant_weights)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
