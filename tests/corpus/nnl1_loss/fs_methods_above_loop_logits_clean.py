# nnlint-expect: clean
# source: https://discuss.pytorch.org/t/cross-entropy-loss-is-not-decreasing/43814/16
# The same post shape with the fix: forward returns the scores; a softmax only for printing.
def __init__(self):
    super(Net, self).__init__()
    self.conv1 = nn.Conv2d(1, 6, 5)
    self.fc1 = nn.Linear(6 * 24 * 24, 10)

def forward(self, x):
    x = F.relu(self.conv1(x))
    return self.fc1(x.view(x.size(0), -1))

model = Net()
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(5):
    for images, labels in train_loader:
        optimizer.zero_grad()
        out = model(images)
        loss = criterion(out, labels)
        loss.backward()
        optimizer.step()
    print(F.softmax(out, dim=1)[0])
