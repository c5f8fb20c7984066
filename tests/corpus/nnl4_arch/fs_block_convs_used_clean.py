# nnlint-expect: clean
# source: https://github.com/pytorch/pytorch/issues/41463
# The same block with every layer it builds applied in forward.
class A(nn.Module):
    def __init__(self, num_features):
        super(A, self).__init__()
        ks = 5
        self.a = nn.Conv1d(1, 1, kernel_size=ks, padding=(ks - 1) // 2, bias=False)
        self.b = nn.Conv1d(1, 1, kernel_size=ks, padding=(ks - 1) // 2, bias=False)
        self.bn = nn.BatchNorm1d(num_features, affine=False)

    def forward(self, x):
        out = self.b(F.relu(self.a(x)))
        return self.bn(out)
