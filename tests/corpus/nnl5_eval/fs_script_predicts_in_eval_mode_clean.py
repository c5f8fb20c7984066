# nnlint-expect: clean
# source: https://pythonkb.com/python-what-does-model-eval-do-in-pytorch
# The page's point applied: eval() (and no_grad) before the test predictions.
# %%
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 1))
optimizer = optim.SGD(model.parameters(), lr=0.01)
for epoch in range(100):
    optimizer.zero_grad()
    loss = F.mse_loss(model(X_train), y_train)
    loss.backward()
    optimizer.step()

# %%
model.eval()
with torch.no_grad():
    preds = model(X_test)
print(F.mse_loss(preds, y_test).item())
