# nnlint-expect: clean
# source: https://github.com/ikostrikov/pytorch-meta-optimizer/issues/11
# The fix from the report's thread: the cells in an nn.ModuleList, registered, so the outer
# optimizer trains them. Same project base class in another file.
import torch
import torch.nn as nn

from meta_module import MetaModule


class MetaOptimizer(MetaModule):
    def __init__(self, hidden_size, num_layers):
        super().__init__()
        self.hidden_size = hidden_size
        self.lstms = nn.ModuleList()
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
