# nnlint-expect: NNL302,NNL401
# source: https://www.engineermaxxing.com/micro/lessons/pytorch-internals.html
def __init__(self):
    super().__init__()
    self.layers = [
        nn.Linear(64, 32),
        nn.Linear(32, 10),
    ]

def forward(self, x):
    # no activation between the two layers either
    for layer in self.layers:
        x = layer(x)
    return x
