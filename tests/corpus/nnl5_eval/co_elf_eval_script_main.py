# nnlint-expect: NNL502
# source: https://github.com/facebookresearch/ELF/pull/110
# An evaluation entry point loads a policy network with dropout and batch-norm from a
# checkpoint and plays games with it, without putting it in evaluation mode.
import sys

import torch
import torch.nn as nn


class PolicyValueNet(nn.Module):
    def __init__(self, planes=18, filters=64, board=19):
        super().__init__()
        self.trunk = nn.Sequential(
            nn.Conv2d(planes, filters, 3, padding=1), nn.BatchNorm2d(filters), nn.ReLU(),
            nn.Conv2d(filters, filters, 3, padding=1), nn.BatchNorm2d(filters), nn.ReLU(),
        )
        self.drop = nn.Dropout(0.2)
        self.policy = nn.Linear(filters * board * board, board * board + 1)
        self.value = nn.Linear(filters * board * board, 1)

    def forward(self, s):
        h = self.drop(self.trunk(s).flatten(1))
        return self.policy(h), torch.tanh(self.value(h))


if __name__ == "__main__":
    net = PolicyValueNet()
    net.load_state_dict(torch.load(sys.argv[1], map_location="cpu"))
    with torch.no_grad():
        for game in range(int(sys.argv[2])):
            state = torch.zeros(1, 18, 19, 19)
            logits, value = net(state)
            print(game, logits.argmax().item(), value.item())
