# nnlint-expect: NNL101
# source: https://github.com/jindongwang/Deep-learning-activity-recognition/issues/10
# The same double softmax as the single-file case, in the shape of a small project: the base
# class's forward calls a classify() head that the subclass (another file) ends in softmax,
# and the training script applies CrossEntropyLoss to model(x).
import torch
import torch.nn as nn

from models import HarCnn

model = HarCnn()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

for epoch in range(50):
    for sample, target in []:
        optimizer.zero_grad()
        loss = criterion(model(sample.float()), target.long())
        loss.backward()
        optimizer.step()
