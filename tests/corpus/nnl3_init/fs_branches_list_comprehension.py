# nnlint-expect: NNL302
# source: https://theneuralbase.com/pytorch/learn/beginner/init-defining-layers/
# The page's "NOT this" line in a whole (import-less) model: one branch per head built in a list
# comprehension and stored as a plain list.
class ConditionalNet(nn.Module):
    def __init__(self, num_branches=3):
        super().__init__()
        self.stem = nn.Linear(10, 10)
        self.branches = [nn.Linear(10, 5) for _ in range(num_branches)]

    def forward(self, x, branch):
        return self.branches[branch](F.relu(self.stem(x)))

model = ConditionalNet()
opt = optim.Adam(model.parameters(), lr=1e-3)
