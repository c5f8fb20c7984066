# nnlint-expect: NNL107
# source: https://github.com/suragnair/alpha-zero-general/issues/5
# The policy head of an Othello network returns F.log_softmax(pi) without dim; the
# training loss multiplies it with the target policy.
import torch
import torch.nn as nn
import torch.nn.functional as F


class OthelloNNet(nn.Module):
    def __init__(self, board_x=8, board_y=8, action_size=65, channels=512):
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(channels)
        self.fc1 = nn.Linear(channels * board_x * board_y, 1024)
        self.fc_bn1 = nn.BatchNorm1d(1024)
        self.fc_pi = nn.Linear(1024, action_size)
        self.fc_v = nn.Linear(1024, 1)

    def forward(self, s):
        s = F.relu(self.bn1(self.conv1(s.unsqueeze(1))))
        s = F.dropout(F.relu(self.fc_bn1(self.fc1(s.flatten(1)))), p=0.3, training=self.training)
        pi = self.fc_pi(s)
        v = self.fc_v(s)
        return F.log_softmax(pi), torch.tanh(v)


def loss_pi(targets, outputs):
    return -torch.sum(targets * outputs) / targets.size(0)
