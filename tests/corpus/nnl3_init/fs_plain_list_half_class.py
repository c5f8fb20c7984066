# nnlint-expect: NNL302
# source: https://www.engineermaxxing.com/micro/lessons/pytorch-internals.html
# The lesson's "can you spot it?" model as people paste it: the class line and imports left
# out, layers kept in a plain Python list, so model.parameters() is empty and the optimizer
# trains nothing.
    def __init__(self):
        super().__init__()
        self.layers = [
            nn.Linear(64, 32),
            nn.Linear(32, 10),
        ]

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x
