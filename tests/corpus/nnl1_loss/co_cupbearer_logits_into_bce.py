# nnlint-expect: NNL104
# source: https://github.com/ejnnr/cupbearer/pull/35
# An anomaly-detector classifier returns logits; its training loss used
# F.binary_cross_entropy on them (which needs probabilities) instead of the logits version.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Probe(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.linear = nn.Linear(dim, 1)

    def forward(self, activations):
        return self.linear(activations).squeeze(-1)


class ProbeTrainer:
    def __init__(self, dim, lr=1e-3):
        self.probe = Probe(dim)
        self.opt = torch.optim.Adam(self.probe.parameters(), lr=lr)

    def step(self, acts, is_anomalous):
        self.opt.zero_grad()
        logits = self.probe(acts)
        loss = F.binary_cross_entropy(logits, is_anomalous.float())
        loss.backward()
        self.opt.step()
        return loss.item()
