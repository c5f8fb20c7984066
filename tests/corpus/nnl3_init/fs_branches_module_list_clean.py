# nnlint-expect: clean
# source: https://theneuralbase.com/pytorch/learn/beginner/init-defining-layers/
# The page's fix in the same model: nn.ModuleList registers every branch.
class ConditionalNet(nn.Module):
    def __init__(self, num_branches=3):
        super().__init__()
        self.stem = nn.Linear(10, 10)
        self.branches = nn.ModuleList([nn.Linear(10, 5) for _ in range(num_branches)])
        self.branch_names = [f"head{i}" for i in range(num_branches)]

    def forward(self, x, branch):
        return self.branches[branch](F.relu(self.stem(x)))

model = ConditionalNet()
opt = optim.Adam(model.parameters(), lr=1e-3)
