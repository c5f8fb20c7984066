# nnlint-expect: clean
# source: https://github.com/huggingface/accelerate/issues/439
# Two models and two optimizers prepared by one Accelerator: each loss is back-propagated
# with accelerator.backward and each optimizer is stepped and cleared; the maintainers
# confirm this is fine.
import torch
import torch.nn as nn
from accelerate import Accelerator

accelerator = Accelerator(mixed_precision="fp16")
model0 = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))
model1 = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))
optim0 = torch.optim.Adam(model0.parameters(), lr=1e-3)
optim1 = torch.optim.Adam(model1.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()
model0, model1, optim0, optim1 = accelerator.prepare(model0, model1, optim0, optim1)

for inputs, target in []:
    loss0 = criterion(model0(inputs), target)
    loss1 = criterion(model1(inputs), target)
    accelerator.backward(loss0)
    accelerator.backward(loss1)
    optim0.step()
    optim1.step()
    optim0.zero_grad()
    optim1.zero_grad()
