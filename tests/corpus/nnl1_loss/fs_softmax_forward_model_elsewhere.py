# nnlint-expect: NNL101
# source: https://discuss.pytorch.org/t/cross-entropy-loss-is-not-decreasing/43814/16
# Forum answer shape: the poster's forward ends in a softmax and the loss "stays at 2.30"; the
# snippet has no imports, the data loading is elided with "...".
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(28 * 28, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = x.view(-1, 28 * 28)
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return F.softmax(x, dim=1)

model = Net()
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=0.001)
...
for epoch in range(10):
    for images, labels in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
    print('epoch', epoch, 'loss =', loss.item())
