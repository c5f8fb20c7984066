# nnlint-expect: clean
# source: https://github.com/autrainer/autrainer/pull/47
# Ages scaled with a MinMaxScaler into [0, 1] and a sigmoid output: the range matches.
import torch
import torch.nn as nn
from sklearn.preprocessing import MinMaxScaler


def fit_age_regressor(embeddings, ages):
    scaler = MinMaxScaler()
    y = torch.tensor(scaler.fit_transform(ages.reshape(-1, 1)), dtype=torch.float32)
    model = nn.Sequential(nn.Linear(embeddings.shape[1], 1), nn.Sigmoid())
    optimizer = torch.optim.Adam(model.parameters())
    for _ in range(100):
        optimizer.zero_grad()
        loss = nn.MSELoss()(model(embeddings), y)
        loss.backward()
        optimizer.step()
    return model, scaler
