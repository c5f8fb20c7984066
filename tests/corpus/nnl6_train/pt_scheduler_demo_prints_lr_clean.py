# nnlint-expect: clean
# source: https://chandraveshchaudhari.github.io/Machine_Learning_For_Business/learning_rate_schedules.html
# A tutorial cell steps a dummy one-weight model with a dummy loss only to print how a
# StepLR schedule changes the learning rate: no seed, but nothing is kept, evaluated or
# measured, so there is no result a second run would have to repeat.
import torch
import torch.nn as nn
import torch.optim as optim

model = nn.Linear(1, 1)
optimizer = optim.Adam(model.parameters(), lr=0.1)
scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)

for epoch in range(30):
    optimizer.zero_grad()
    loss = model(torch.ones(1, 1)).pow(2).sum()
    loss.backward()
    optimizer.step()
    scheduler.step()
    print(f"epoch {epoch + 1:02d}: lr {scheduler.get_last_lr()[0]:.5f}")
