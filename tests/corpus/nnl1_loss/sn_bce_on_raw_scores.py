# nnlint-expect: NNL104
# source: https://androidkt.com/pytorch-bcewithlogitsloss-with-example/
class BinaryNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28 * 3, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, x):
        return self.layers(x)


model = BinaryNet()
criterion = nn.BCELoss()
for images, targets in loader:
    loss = criterion(model(images).squeeze(1), targets.float())
    loss.backward()
