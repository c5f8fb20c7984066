# nnlint-expect: NNL502
# source: https://thecodeforge.io/ml-ai/pytorch-training-loop/
model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.3), nn.Linear(256, 10))
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(5):
    model.train()
    for images, labels in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(images.view(-1, 784)), labels)
        loss.backward()
        optimizer.step()

correct = 0
with torch.no_grad():
    for images, labels in test_loader:
        predicted = model(images.view(-1, 784)).argmax(1)
        correct += (predicted == labels).sum().item()
print(correct / len(test_loader.dataset))
