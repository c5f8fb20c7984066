# nnlint-expect: clean
# source: https://github.com/tk-rusch/coRNN/issues/1
# The author's answer: the coupled-oscillator RNN has no dropout or batch-norm, so calling
# model.eval() for the test and never model.train() again changes nothing.
import torch
import torch.nn as nn


class coRNNCell(nn.Module):
    def __init__(self, n_inp, n_hid, dt, gamma, epsilon):
        super().__init__()
        self.dt, self.gamma, self.epsilon = dt, gamma, epsilon
        self.i2h = nn.Linear(n_inp + n_hid + n_hid, n_hid)

    def forward(self, x, hy, hz):
        hz = hz + self.dt * (torch.tanh(self.i2h(torch.cat((x, hz, hy), 1))) - self.gamma * hy - self.epsilon * hz)
        hy = hy + self.dt * hz
        return hy, hz


class coRNN(nn.Module):
    def __init__(self, n_inp=2, n_hid=128, n_out=1, dt=0.042, gamma=2.7, epsilon=4.7):
        super().__init__()
        self.n_hid = n_hid
        self.cell = coRNNCell(n_inp, n_hid, dt, gamma, epsilon)
        self.readout = nn.Linear(n_hid, n_out)

    def forward(self, x):
        hy = x.new_zeros(x.size(1), self.n_hid)
        hz = x.new_zeros(x.size(1), self.n_hid)
        for t in range(x.size(0)):
            hy, hz = self.cell(x[t], hy, hz)
        return self.readout(hy)


model = coRNN()
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
objective = nn.MSELoss()


def test(x, y):
    model.eval()
    with torch.no_grad():
        return objective(model(x), y).item()


for i in range(10000):
    x, y = torch.randn(500, 50, 2), torch.randn(50, 1)
    optimizer.zero_grad()
    loss = objective(model(x), y)
    loss.backward()
    optimizer.step()
    if i % 100 == 0:
        print(i, test(x, y))
