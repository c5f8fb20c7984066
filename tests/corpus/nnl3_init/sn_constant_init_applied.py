# nnlint-expect: NNL301
# source: https://runebook.dev/ru/docs/pytorch/nn.init/torch.nn.init.constant_
def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.constant_(m.weight, 0.5)
        nn.init.constant_(m.bias, 0)


net = nn.Sequential(nn.Linear(16, 32), nn.Tanh(), nn.Linear(32, 1))
net.apply(init_weights)
