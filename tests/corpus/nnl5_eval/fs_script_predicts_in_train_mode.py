# nnlint-expect: NNL502
# source: https://pythonkb.com/python-what-does-model-eval-do-in-pytorch
# The page's dropout model in a "# %%" script: trained in the first cell, then the next cell
# predicts on the test set straight away, still in training mode (dropout on), with no eval().
# %%
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 1))
optimizer = optim.SGD(model.parameters(), lr=0.01)
for epoch in range(100):
    optimizer.zero_grad()
    loss = F.mse_loss(model(X_train), y_train)
    loss.backward()
    optimizer.step()

# %%
preds = model(X_test)
print(F.mse_loss(preds, y_test).item())
