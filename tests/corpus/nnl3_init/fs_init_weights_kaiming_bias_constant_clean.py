# nnlint-expect: clean
# source: https://runebook.dev/ru/docs/pytorch/nn.init/torch.nn.init.constant_
# The page's exception: constant_ for the biases only, the weights drawn with Kaiming init.
def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.kaiming_normal_(m.weight, nonlinearity='relu')
        nn.init.constant_(m.bias, 0.0)

model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2))
model.apply(init_weights)
