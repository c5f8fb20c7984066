# nnlint-expect: NNL608
# source: https://github.com/meta-pytorch/torchforge/pull/71
# A policy/value update with two optimizers: the value optimizer is zeroed each step, the
# policy optimizer never is, so the policy gradients pile up across steps.
import torch
import torch.nn as nn

policy = nn.Sequential(nn.Linear(16, 64), nn.Tanh(), nn.Linear(64, 4))
value = nn.Sequential(nn.Linear(16, 64), nn.Tanh(), nn.Linear(64, 1))
policy_opt = torch.optim.Adam(policy.parameters(), lr=3e-4)
value_opt = torch.optim.Adam(value.parameters(), lr=1e-3)


def update(batches):
    for states, actions, returns in batches:
        value_opt.zero_grad()
        adv = returns - value(states).squeeze(-1).detach()
        logp = torch.log_softmax(policy(states), dim=-1).gather(1, actions[:, None]).squeeze(1)
        policy_loss = -(logp * adv).mean()
        value_loss = (value(states).squeeze(-1) - returns).pow(2).mean()
        (policy_loss + value_loss).backward()
        policy_opt.step()
        value_opt.step()
