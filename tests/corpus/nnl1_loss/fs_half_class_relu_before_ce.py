# nnlint-expect: NNL108
# source: https://discuss.pytorch.org/t/cross-entropy-loss-is-not-decreasing/43814/16
# The answer explains the stuck loss by negative weights behind a ReLU; the pasted half of a
# class puts that ReLU on the output layer, so every negative class score is clipped to zero
# before CrossEntropyLoss.
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 16, 3)
        self.fc1 = nn.Linear(16 * 26 * 26, 64)
        self.fc2 = nn.Linear(64, 10)
        self.loss_fn = nn.CrossEntropyLoss()

    def forward(self, x):
        x = F.relu(self.conv(x)).flatten(1)
        x = F.relu(self.fc1(x))
        return F.relu(self.fc2(x))

    def loss(self, x, y):
        return self.loss_fn(self(x), y)
