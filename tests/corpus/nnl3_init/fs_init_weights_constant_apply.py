# nnlint-expect: NNL301
# source: https://runebook.dev/ru/docs/pytorch/nn.init/torch.nn.init.constant_
# The page warns never to fill weights with one constant; a pasted init helper does exactly
# that through model.apply, so every unit of a layer stays identical.
def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.constant_(m.weight, 0.5)
        nn.init.constant_(m.bias, 0.0)

model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2))
model.apply(init_weights)
