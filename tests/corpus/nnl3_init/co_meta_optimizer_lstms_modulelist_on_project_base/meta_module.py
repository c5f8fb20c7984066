# nnlint-expect: part-of meta_optimizer.py
# source: https://github.com/ikostrikov/pytorch-meta-optimizer/issues/11
import torch.nn as nn


class MetaModule(nn.Module):
    """Shared base of the learned optimizers: bookkeeping only, no layers of its own."""

    def num_params(self):
        return sum(p.numel() for p in self.parameters())

    def reset_states(self, batch_size, hidden_size):
        return [None] * batch_size
