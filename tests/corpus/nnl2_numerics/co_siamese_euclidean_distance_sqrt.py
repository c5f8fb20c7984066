# nnlint-expect: NNL204
# source: https://github.com/keras-team/keras/issues/9097
# The siamese network's distance is sqrt(sum(square(x - y))); when both inputs are the same
# image the loss turns NaN. A PyTorch version of the network and contrastive loss.
import torch
import torch.nn as nn


class Siamese(nn.Module):
    def __init__(self):
        super().__init__()
        self.base = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.1),
                                  nn.Linear(128, 128), nn.ReLU())

    def euclidean_distance(self, x, y):
        return torch.sqrt(torch.sum(torch.square(x - y), dim=1, keepdim=True))

    def forward(self, a, b):
        return self.euclidean_distance(self.base(a), self.base(b))


def contrastive_loss(y_true, distance, margin=1.0):
    return torch.mean(y_true * distance.square() + (1 - y_true) * torch.clamp(margin - distance, min=0).square())
