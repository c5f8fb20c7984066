# nnlint-expect: NNL302
# source: https://github.com/ikostrikov/pytorch-meta-optimizer/issues/11
# The learned optimizer keeps its LSTM cells in a plain list filled in a loop, so
# model.parameters() (what the outer optimizer trains) never holds them. Its base class is a
# project class in another file, and the class assigns no torch layer directly: nnlint only
# knows it is a Module through the project join.
import torch
import torch.nn as nn

from meta_module import MetaModule


class MetaOptimizer(MetaModule):
    def __init__(self, hidden_size, num_layers):
        super().__init__()
        self.hidden_size = hidden_size
        self.lstms = []
        for _ in range(num_layers):
            self.lstms.append(nn.LSTMCell(hidden_size, hidden_size))

    def forward(self, x):
        hidden = []
        for cell in self.lstms:
            h, c = cell(x)
            hidden.append((h, c))
            x = h
        return x, hidden


meta = MetaOptimizer(20, 2)
outer = torch.optim.Adam(meta.parameters(), lr=1e-3)
