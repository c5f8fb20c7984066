# nnlint-expect: NNL505
# source: https://duoke360.com/post/34139
layer = nn.Linear(3, 3)
numpy_arr = np.random.rand(4, 3)
torch_tensor = torch.from_numpy(numpy_arr)
out = layer(torch_tensor)
