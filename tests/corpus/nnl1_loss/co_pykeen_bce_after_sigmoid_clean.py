# nnlint-expect: clean
# source: https://github.com/pykeen/pykeen/issues/87
# The fix the maintainers chose: raw scores go to BCEWithLogitsLoss, and the explicit
# "BCE after sigmoid" variant applies the sigmoid itself before BCELoss.
import torch
import torch.nn as nn


class DistMult(nn.Module):
    def __init__(self, n_entities, n_relations, dim=50):
        super().__init__()
        self.ent = nn.Embedding(n_entities, dim)
        self.rel = nn.Embedding(n_relations, dim)

    def score_hrt(self, hrt):
        h, r, t = self.ent(hrt[:, 0]), self.rel(hrt[:, 1]), self.ent(hrt[:, 2])
        return (h * r * t).sum(-1)


class BCEAfterSigmoidLoss(nn.Module):
    def forward(self, logits, labels):
        return nn.functional.binary_cross_entropy(torch.sigmoid(logits), labels)


def train(model, loader, use_logits_loss=True, epochs=5):
    loss_fn = nn.BCEWithLogitsLoss() if use_logits_loss else BCEAfterSigmoidLoss()
    opt = torch.optim.Adagrad(model.parameters(), lr=0.01)
    for _ in range(epochs):
        for hrt, labels in loader:
            opt.zero_grad()
            loss = loss_fn(model.score_hrt(hrt), labels.float())
            loss.backward()
            opt.step()
