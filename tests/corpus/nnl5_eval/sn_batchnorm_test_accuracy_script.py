# nnlint-expect: NNL502
# source: https://www.codetd.com/article/15115577
model = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))
loss_fn = nn.CrossEntropyLoss()
opt = optim.SGD(model.parameters(), lr=0.1)
for epoch in range(200):
    opt.zero_grad()
    loss = loss_fn(model(x_train), y_train)
    loss.backward()
    opt.step()

with torch.no_grad():
    h_test = torch.argmax(model(x_test), dim=1)
acc_test = (h_test == y_test).float().mean()
print(acc_test.item())
