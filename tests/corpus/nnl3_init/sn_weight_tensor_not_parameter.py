# nnlint-expect: NNL303
# source: https://theflyingbirds.in/blog/pytorch-mysteries-lets-understand-nnmodule-nnparameter-modulelist-sequential-and-the-classic-layers-linear-activations-dropout
class Scale(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weight = torch.randn(dim, dim) * 0.01

    def forward(self, x):
        return x @ self.weight
