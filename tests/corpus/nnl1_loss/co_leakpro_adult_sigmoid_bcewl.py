# nnlint-expect: NNL103
# source: https://github.com/aidotse/LeakPro/issues/229
# A tabular (Adult income) classifier ends in nn.Sigmoid and its handler trains it with
# BCEWithLogitsLoss, which applies the sigmoid again.
import torch
import torch.nn as nn


class AdultNet(nn.Module):
    def __init__(self, input_size, hidden_size=64, num_classes=1):
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.fc2 = nn.Linear(hidden_size, hidden_size)
        self.fc3 = nn.Linear(hidden_size, num_classes)
        self.relu = nn.ReLU()
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        x = self.relu(self.fc1(x))
        x = self.relu(self.fc2(x))
        return self.sigmoid(self.fc3(x))


class AdultInputHandler:
    def get_criterion(self):
        return nn.BCEWithLogitsLoss()

    def train(self, dataloader, model, epochs=10):
        criterion = self.get_criterion()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        for _ in range(epochs):
            for data, target in dataloader:
                optimizer.zero_grad()
                output = model(data)
                loss = criterion(output.squeeze(), target.float())
                loss.backward()
                optimizer.step()
        return model
