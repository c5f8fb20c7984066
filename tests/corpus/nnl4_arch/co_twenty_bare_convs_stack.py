# nnlint-expect: NNL402
# source: https://github.com/jsboige/CoursIA/pull/14204
# The notebook's first measurement: twenty 3x3 convolutions stacked with only ReLU between
# them, no normalisation and no skip; the first layer's gradient is ~1e-8 of the last's.
import torch
import torch.nn as nn


def plain_stack(depth=20, channels=16, n_classes=5):
    layers = [nn.Conv2d(3, channels, 3, padding=1), nn.ReLU()]
    for _ in range(depth - 1):
        layers += [nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU()]
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, n_classes)]
    return nn.Sequential(*layers)


model = plain_stack()
loss = nn.functional.cross_entropy(model(torch.randn(8, 3, 32, 32)), torch.randint(0, 5, (8,)))
loss.backward()
