# nnlint-expect: NNL402
# source: https://github.com/Sunnydreamrain/IndRNN_Theano_Lasagne/issues/1
# The author's remark that, without batch-norm, networks deeper than a few layers do not
# train; here a deep feed-forward stack written out layer by layer with tanh only.
import torch.nn as nn

net = nn.Sequential(
    nn.Linear(784, 512), nn.Tanh(),
    nn.Linear(512, 512), nn.Tanh(),
    nn.Linear(512, 512), nn.Tanh(),
    nn.Linear(512, 512), nn.Tanh(),
    nn.Linear(512, 512), nn.Tanh(),
    nn.Linear(512, 512), nn.Tanh(),
    nn.Linear(512, 512), nn.Tanh(),
    nn.Linear(512, 512), nn.Tanh(),
    nn.Linear(512, 512), nn.Tanh(),
    nn.Linear(512, 512), nn.Tanh(),
    nn.Linear(512, 512), nn.Tanh(),
    nn.Linear(512, 10),
)
