# nnlint-expect: NNL101
# source: https://github.com/runame/laplace-redux/pull/1
# A classifier wrapper used for Laplace approximations returns probabilities from
# forward; the fine-tuning loss then applies cross-entropy (softmax again) to them.
import torch
import torch.nn as nn
import torch.nn.functional as F


class WideClassifier(nn.Module):
    def __init__(self, in_dim=512, n_classes=10):
        super().__init__()
        self.hidden = nn.Linear(in_dim, 256)
        self.out = nn.Linear(256, n_classes)

    def forward(self, x):
        h = F.relu(self.hidden(x))
        return F.softmax(self.out(h), dim=-1)


def fit(model, loader, epochs=10):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
