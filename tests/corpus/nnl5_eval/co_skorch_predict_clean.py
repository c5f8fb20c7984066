# nnlint-expect: clean
# source: https://github.com/skorch-dev/skorch/issues/976
# The reporter thought skorch validated in train mode; skorch's NeuralNet switches the
# module itself (_set_training) before evaluation and predict, so there is nothing to do.
import numpy as np
import torch.nn as nn
from skorch import NeuralNetClassifier


class Mlp(nn.Module):
    def __init__(self, n_in=20, hidden=64, dropout=0.3):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(n_in, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, 2),
        )

    def forward(self, X):
        return self.body(X)


net = NeuralNetClassifier(Mlp, module__dropout=0.5, max_epochs=20, lr=0.05,
                          criterion=nn.CrossEntropyLoss)
X = np.random.randn(500, 20).astype(np.float32)
y = (X[:, 0] > 0).astype(np.int64)
net.fit(X, y)
probabilities = net.predict_proba(X[:10])
