# nnlint-expect: clean
# source: https://discuss.pytorch.org/t/nn-batchnorm2d-with-shared-weights/158625
# The thread's deliberate design, pasted as the forward alone: one BatchNorm2d shared by the n
# horizontal slices of a feature map, applied slice by slice in a loop (half the class pasted). Sharing is the point
# (the answer: "your approach should work"), so applying the layer to each slice is no bug.
    def __init__(self, n=5):
        super().__init__()
        self.n = n
        self.cnn1 = nn.Conv2d(1, 16, 3, padding=1)
        self.batchnorm1 = nn.BatchNorm2d(16)
        self.act = nn.LeakyReLU()
        self.dropout = nn.Dropout(0.2)

    def forward(self, x):
        out = self.cnn1(x)
        h = out.shape[2] // self.n
        parts = []
        for i in range(self.n):
            parts.append(self.batchnorm1(out[:, :, i * h:(i + 1) * h, :]))
        out = torch.cat(parts, dim=2)
        return self.dropout(self.act(out))
