# nnlint-expect: clean
# source: https://discuss.pytorch.org/t/cross-entropy-loss-is-not-decreasing/43814/16
# The answer's fix, pasted the same way: forward returns the raw scores and CrossEntropyLoss
# applies the log-softmax; the softmax is only taken for the printed confidence.
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(28 * 28, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = x.view(-1, 28 * 28)
        return self.fc2(F.relu(self.fc1(x)))

model = Net()
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(model.parameters(), lr=0.01)
...
for epoch in range(10):
    for images, labels in train_loader:
        optimizer.zero_grad()
        logits = model(images)
        loss = criterion(logits, labels)
        loss.backward()
        optimizer.step()
    confidence = F.softmax(logits, dim=1).max(dim=1).values.mean()
    print(epoch, loss.item(), confidence.item())
