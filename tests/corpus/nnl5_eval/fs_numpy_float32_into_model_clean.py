# nnlint-expect: clean
# source: https://yuhi-sa.github.io/en/posts/20210215_pytorch_dtype/1
# The post's fix: cast to float32 before building the tensor.
class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(5, 16)
        self.fc2 = nn.Linear(16, 1)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))

model = Regressor()
x = np.random.rand(64, 5)
pred = model(torch.tensor(x.astype(np.float32)))
