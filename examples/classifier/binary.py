"""Predict customer churn from a CSV of numeric features (last column: 1 = churned)."""

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset, random_split


class ChurnModel(nn.Module):
    def __init__(self, num_features, hidden=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(num_features, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, 1),
        )

    def forward(self, x):
        return self.net(x)


def load_dataset(path):
    table = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32)
    features = torch.from_numpy(table[:, :-1])
    labels = torch.from_numpy(table[:, -1:])
    return TensorDataset(features, labels)


def standardize(train_x, other_x):
    mean = train_x.mean(dim=0)
    std = train_x.std(dim=0) + 1e-6
    return (train_x - mean) / std, (other_x - mean) / std


def main(path="churn.csv", epochs=20):
    dataset = load_dataset(path)
    train_set, val_set = random_split(dataset, [0.8, 0.2], generator=torch.Generator().manual_seed(0))
    train_x, train_y = dataset.tensors[0][train_set.indices], dataset.tensors[1][train_set.indices]
    val_x, val_y = dataset.tensors[0][val_set.indices], dataset.tensors[1][val_set.indices]
    train_x, val_x = standardize(train_x, val_x)

    loader = DataLoader(TensorDataset(train_x, train_y), batch_size=128, shuffle=True)
    model = ChurnModel(train_x.shape[1])
    criterion = nn.BCELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    for epoch in range(epochs):
        model.train()
        for features, labels in loader:
            optimizer.zero_grad()
            loss = criterion(model(features), labels)
            loss.backward()
            optimizer.step()

        model.eval()
        with torch.no_grad():
            predicted = (model(val_x) > 0.5).float()
            accuracy = (predicted == val_y).float().mean().item()
        print(f"epoch {epoch + 1}: validation accuracy {accuracy:.2%}")


if __name__ == "__main__":
    main()
