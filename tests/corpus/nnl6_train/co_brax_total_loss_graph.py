# nnlint-expect: NNL605
# source: https://github.com/google/brax/pull/152
# A notebook-style PPO-ish training loop on top of a simulator: the running total adds the
# loss tensor itself, so every step's graph stays alive.
import torch
import torch.nn as nn

policy = nn.Sequential(nn.Linear(87, 256), nn.SiLU(), nn.Linear(256, 8))
optimizer = torch.optim.Adam(policy.parameters(), lr=3e-4)
total_loss = 0
for i in range(10000):
    obs = torch.randn(1024, 87)
    optimizer.zero_grad()
    action = policy(obs)
    loss = action.pow(2).mean()
    loss.backward()
    optimizer.step()
    total_loss += loss
    if i % 100 == 0:
        print(i, total_loss / (i + 1))
