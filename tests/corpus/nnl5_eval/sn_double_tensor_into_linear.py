# nnlint-expect: NNL505
# source: https://blog.51cto.com/u_16175525/6637440
model = torch.nn.Linear(1, 1)
input_data = torch.tensor([1.0], dtype=torch.double)
output = model(input_data)
