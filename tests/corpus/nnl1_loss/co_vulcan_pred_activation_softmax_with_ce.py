# nnlint-expect: NNL101
# source: https://github.com/Aifred-Health/VulcanAI/issues/81
# The network takes its prediction activation as a class (pred_activation=nn.Softmax) and the
# criterion as another (criter_spec=nn.CrossEntropyLoss); with both at their defaults the
# softmax output goes into a loss that applies log-softmax itself.
import torch
import torch.nn as nn


class DenseNet(nn.Module):
    def __init__(self, in_dim, hidden, n_classes, pred_activation=nn.Softmax, criter_spec=nn.CrossEntropyLoss()):
        super().__init__()
        self.hidden = nn.Linear(in_dim, hidden)
        self.network_tail = nn.Linear(hidden, n_classes)
        self.pred_activation = pred_activation(dim=1) if pred_activation is not None else None
        self.criter_spec = criter_spec

    def forward(self, x):
        out = self.network_tail(torch.relu(self.hidden(x)))
        if self.pred_activation is not None:
            out = self.pred_activation(out)
        return out

    def fit(self, loader, epochs=10, lr=1e-3):
        optimizer = torch.optim.Adam(self.parameters(), lr=lr)
        for _ in range(epochs):
            for x, y in loader:
                optimizer.zero_grad()
                loss = self.criter_spec(self(x), y)
                loss.backward()
                optimizer.step()


net = DenseNet(20, 64, 3)
