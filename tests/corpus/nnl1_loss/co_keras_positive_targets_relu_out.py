# nnlint-expect: NNL105
# source: https://github.com/keras-team/keras/issues/1874
# Nonlinear regression onto (0, inf): the asker put ReLU on the output layer after three
# sigmoid layers, got all-zero outputs and a loss that never moved. A PyTorch port.
import torch
import torch.nn as nn


class Regressor(nn.Module):
    def __init__(self, n_in=40, hidden=512):
        super().__init__()
        self.l1 = nn.Linear(n_in, hidden)
        self.l2 = nn.Linear(hidden, hidden)
        self.l3 = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        x = torch.sigmoid(self.l1(x))
        x = torch.sigmoid(self.l2(x))
        x = torch.sigmoid(self.l3(x))
        return torch.relu(self.out(x))


model = Regressor()
optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
loss_fn = nn.MSELoss()
for epoch in range(50):
    for xb, yb in []:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
