# nnlint-expect: NNL301
# source: https://upskilled.consulting/courses/supplement/weight-initialization/reading/r1/
# nnlint-xfail: NNL301 does not see nn.init.zeros_ on the weight of a layer built and initialised in module-level code (missed with the import lines too)
hidden = nn.Linear(128, 256)
nn.init.zeros_(hidden.weight)
nn.init.zeros_(hidden.bias)
model = nn.Sequential(hidden, nn.ReLU(), nn.Linear(256, 10))
