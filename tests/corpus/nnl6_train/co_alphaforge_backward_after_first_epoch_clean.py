# nnlint-expect: clean
# source: https://github.com/DulyHao/AlphaForge/issues/13
# Backward and step are skipped in epoch 0 on purpose, to log the untrained generator's
# score; from then on every iteration updates it.
import torch
import torch.nn as nn

generator = nn.Sequential(nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 64))
opt = torch.optim.Adam(generator.parameters(), lr=1e-3)


def train(predictor, epochs=50):
    for epoch in range(epochs):
        z = torch.randn(256, 32)
        opt.zero_grad()
        score = predictor(generator(z))
        loss = -score.mean()
        if epoch > 0:
            loss.backward()
            opt.step()
        print(epoch, loss.item())
