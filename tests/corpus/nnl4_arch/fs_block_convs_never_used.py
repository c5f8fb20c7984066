# nnlint-expect: NNL403
# source: https://github.com/pytorch/pytorch/issues/41463
# The block builds two convolutions and a batch norm, but forward only applies the batch
# norm; the two convolutions are dead weight (and shift the random draws of every layer built
# after them). Pasted without imports.
class A(nn.Module):
    def __init__(self, num_features):
        super(A, self).__init__()
        ks = 5
        self.a = nn.Conv1d(1, 1, kernel_size=ks, padding=(ks - 1) // 2, bias=False)
        self.b = nn.Conv1d(1, 1, kernel_size=ks, padding=(ks - 1) // 2, bias=False)
        self.bn = nn.BatchNorm2d(num_features, affine=False)

    def forward(self, x):
        out = self.bn(x)
        return out
