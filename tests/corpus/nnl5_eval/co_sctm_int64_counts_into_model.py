# nnlint-expect: NNL505
# source: https://github.com/JinmiaoChenLab/scTM/issues/5
# A topic model for spatial transcriptomics gets the raw count matrix, numpy int64, turned
# into a tensor with torch.tensor and fed to its encoder as is.
import numpy as np
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, n_genes, n_topics=20, hidden=256):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_genes, hidden), nn.Softplus(), nn.Linear(hidden, 2 * n_topics))

    def forward(self, counts):
        return self.net(counts).chunk(2, dim=-1)


def train(adata_X: np.ndarray, epochs=100):
    counts = torch.tensor(adata_X.astype(np.int64))
    encoder = Encoder(counts.shape[1])
    optimizer = torch.optim.Adam(encoder.parameters(), lr=1e-3)
    for _ in range(epochs):
        optimizer.zero_grad()
        mu, logvar = encoder(counts)
        loss = (mu.pow(2) + logvar.exp() - logvar).sum(-1).mean()
        loss.backward()
        optimizer.step()
