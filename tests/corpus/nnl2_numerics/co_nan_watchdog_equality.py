# nnlint-expect: NNL205
# source: https://github.com/pytorch/pytorch/issues/4767
# The reporter wants to stop training when the loss turns NaN; comparing the loss with
# float('nan') is always False, so the watchdog never fires.
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)


def train(loader, max_epochs=100):
    for epoch in range(max_epochs):
        for x, y in loader:
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            if loss.item() == float("nan"):
                print(f"NaN loss at epoch {epoch}, stopping")
                return
            loss.backward()
            optimizer.step()
