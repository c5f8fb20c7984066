# nnlint-expect: NNL612
# source: https://github.com/liznerski/fcdd/issues/58
# The user asks where a seed should go: the training entry point builds model and optimizer
# without one, so the per-class results (the AUC it reports) change from run to run.
import argparse

import torch
import torch.nn as nn
from sklearn.metrics import roc_auc_score


def train(epochs, lr):
    model = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Conv2d(16, 1, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-6)
    for _ in range(epochs):
        x = torch.randn(16, 3, 64, 64)
        loss = model(x).abs().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model


def evaluate(model, images, labels):
    with torch.no_grad():
        scores = model(images).abs().mean(dim=(1, 2, 3))
    return roc_auc_score(labels.numpy(), scores.numpy())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()
    model = train(args.epochs, args.lr)
    print("AUC", evaluate(model, torch.randn(32, 3, 64, 64), torch.randint(0, 2, (32,))))
