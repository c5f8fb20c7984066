# nnlint-expect: NNL602
# source: https://preproom.ai/learn/model-training-pytorch.html
model = nn.Linear(1, 1)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.03)
model.train()
for epoch in range(200):
    pred = model(x)
    loss = criterion(pred, y)
    loss.backward()
    optimizer.step()
