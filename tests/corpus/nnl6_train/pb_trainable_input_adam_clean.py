# nnlint-expect: clean
# source: https://www.codegenes.net/blog/models-with-trainable-inputs-pytorch
# The input itself is the trainable tensor: a frozen classifier, and Adam over a list
# holding only the image. A rate of 0.1 moves pixels, not a network's weights.
import torch
import torch.nn as nn


class TinyCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.fc = nn.Linear(16 * 16 * 16, 10)

    def forward(self, x):
        return self.fc(self.features(x).flatten(1))


def dream(model, target_class, steps=200):
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    canvas = torch.rand(1, 3, 32, 32, requires_grad=True)
    optimizer = torch.optim.Adam([canvas], lr=0.1)
    criterion = nn.CrossEntropyLoss()
    goal = torch.tensor([target_class])
    for _ in range(steps):
        optimizer.zero_grad()
        loss = criterion(model(canvas), goal)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            canvas.clamp_(0, 1)
    return canvas.detach()
