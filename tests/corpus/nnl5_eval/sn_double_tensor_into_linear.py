# nnlint-expect: NNL505
# source: https://blog.51cto.com/u_16175525/6637440
# nnlint-xfail: NNL505 does not check the input of a bare nn.Linear held in a module-level variable (missed with the import lines too)
model = torch.nn.Linear(1, 1)
input_data = torch.tensor([1.0], dtype=torch.double)
output = model(input_data)
