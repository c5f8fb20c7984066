# nnlint-expect: clean
# source: https://theneuralbase.pages.dev/pytorch/learn/beginner/optimizers-torch-optim-adam-sgd/
# Comparing optimizers: after the Adam run the model is re-created for a fair comparison,
# and the SGD optimizer is built on the new model, so no optimizer holds stale parameters.
import torch
import torch.nn as nn
import torch.optim as optim

model = nn.Linear(10, 1)
X, y = torch.randn(32, 10), torch.randn(32, 1)
loss_fn = nn.MSELoss()

adam_optimizer = optim.Adam(model.parameters(), lr=0.001)
for epoch in range(3):
    adam_optimizer.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    adam_optimizer.step()

model = nn.Linear(10, 1)
sgd_optimizer = optim.SGD(model.parameters(), lr=0.01)
for epoch in range(3):
    sgd_optimizer.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    sgd_optimizer.step()
