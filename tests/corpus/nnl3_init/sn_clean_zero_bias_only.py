# nnlint-expect: clean
# source: https://upskilled.consulting/courses/supplement/weight-initialization/reading/r1/
hidden = nn.Linear(128, 256)
nn.init.xavier_uniform_(hidden.weight)
nn.init.zeros_(hidden.bias)
model = nn.Sequential(hidden, nn.ReLU(), nn.Linear(256, 10))
