# nnlint-expect: clean
# source: https://github.com/yaolubrain/cnn_linear_max/issues/1
# A CNN with linear neurons and max pooling: there is no activation function, but max
# pooling between the convolutions is itself non-linear, as the author answers.
import torch.nn as nn

net = nn.Sequential(
    nn.Conv2d(1, 20, 9),
    nn.MaxPool2d(2),
    nn.Conv2d(20, 50, 5),
    nn.MaxPool2d(2),
    nn.Flatten(),
    nn.LazyLinear(10),
)
