# nnlint-expect: clean
# source: https://yuhi-sa.github.io/en/posts/20210215_pytorch_dtype/1
model = nn.Linear(5, 1)
x = np.random.rand(5)
torch_x = torch.tensor(x.astype(np.float32))
print(model(torch_x))
