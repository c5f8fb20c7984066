# nnlint-expect: NNL507
# source: https://taourl.com/read-2645328.html
# The training set was divided by 255, the sample used for inference is taken from the raw
# uint8 array and only converted to float32.
import numpy as np
import torch
import torch.nn as nn


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 32, 3)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        return self.fc(self.pool(torch.relu(self.conv(x))).flatten(1))


raw = np.load("cifar_test.npy").astype(np.uint8)
model = SmallCNN()
model.eval()
sample = torch.tensor(raw[:1], dtype=torch.float32).permute(0, 3, 1, 2)
prediction = model(sample).argmax(1)
