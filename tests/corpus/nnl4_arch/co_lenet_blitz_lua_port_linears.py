# nnlint-expect: NNL401
# source: https://github.com/soumith/cvpr2015/issues/6
# The 60-minute blitz LeNet, ported: after the conv part, three fully connected layers are
# added with no nonlinearity between them.
import torch.nn as nn

net = nn.Sequential()
net.add_module("conv1", nn.Conv2d(1, 6, 5))
net.add_module("relu1", nn.ReLU())
net.add_module("pool1", nn.MaxPool2d(2))
net.add_module("conv2", nn.Conv2d(6, 16, 5))
net.add_module("relu2", nn.ReLU())
net.add_module("pool2", nn.MaxPool2d(2))
net.add_module("flat", nn.Flatten())
net.add_module("fc1", nn.Linear(16 * 5 * 5, 120))
net.add_module("fc2", nn.Linear(120, 84))
net.add_module("fc3", nn.Linear(84, 10))
net.add_module("logsoftmax", nn.LogSoftmax(dim=1))
