# nnlint-expect: NNL501
# source: https://github.com/jrieke/cnn-interpretability/issues/4
# nnlint-xfail: train and predict both call a hand-written normalize() but with statistics of different data (training set vs. the predicted samples); nnlint does not compare the arguments' provenance. Also a false alarm NNL203 on (volumes - mean) / std, numpy preprocessing outside any gradient path
# The MRI classifier is trained on volumes normalised with the training set's mean and std;
# at inference the statistics are recomputed from the samples being predicted.
import numpy as np
import torch


def normalize(volumes, mean, std):
    return (volumes - mean) / std


def train(model, train_volumes, labels, optimizer, epochs=20):
    mean, std = train_volumes.mean(), train_volumes.std()
    x = torch.tensor(normalize(train_volumes, mean, std), dtype=torch.float32)
    y = torch.tensor(labels)
    model.train()
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    return mean, std


def predict(model, new_volumes):
    mean, std = new_volumes.mean(), new_volumes.std()
    x = torch.tensor(normalize(new_volumes, mean, std), dtype=torch.float32)
    model.eval()
    with torch.no_grad():
        return model(x).argmax(1)
