# nnlint-expect: clean
# source: https://theflyingbirds.in/blog/pytorch-mysteries-lets-understand-nnmodule-nnparameter-modulelist-sequential-and-the-classic-layers-linear-activations-dropout
def __init__(self, sizes):
    super().__init__()
    self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))

def forward(self, x):
    for layer in self.layers[:-1]:
        x = F.relu(layer(x))
    return self.layers[-1](x)
