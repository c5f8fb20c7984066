# nnlint-expect: NNL101
# source: https://discuss.pytorch.org/t/cross-entropy-loss-is-not-decreasing/43814/16
# The thread's shape of post: the two methods of the model (no class line, no imports), then the
# loop that builds it with `model = Net()`; forward ends in a softmax, the loss is
# CrossEntropyLoss, and the loss sits at 2.30.
def __init__(self):
    super(Net, self).__init__()
    self.conv1 = nn.Conv2d(1, 6, 5)
    self.fc1 = nn.Linear(6 * 24 * 24, 10)

def forward(self, x):
    x = F.relu(self.conv1(x))
    x = self.fc1(x.view(x.size(0), -1))
    return F.softmax(x, dim=1)

model = Net()
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(5):
    for images, labels in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
