# nnlint-expect: clean
# source: https://github.com/Canjie-Luo/MORAN_v2/issues/46
# lr=1 looks high, but the text recogniser is trained with Adadelta, whose default (and
# usual) learning rate is 1.0.
import torch
import torch.nn as nn

model = nn.Sequential(nn.Conv2d(1, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
                      nn.AdaptiveAvgPool2d((1, 26)), nn.Flatten(), nn.Linear(64 * 26, 37 * 26))
optimizer = torch.optim.Adadelta(model.parameters(), lr=1)
criterion = nn.CrossEntropyLoss()


def train_batch(images, labels):
    optimizer.zero_grad()
    logits = model(images).view(-1, 37)
    loss = criterion(logits, labels.view(-1))
    loss.backward()
    optimizer.step()
    return loss.item()
