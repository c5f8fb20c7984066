# nnlint-expect: clean
# source: https://github.com/DLR-RM/stable-baselines3/pull/1062
# A policy base class builds the feature extractor and the heads every policy shares, and its
# forward only raises NotImplementedError: the actor-critic subclasses, written in other files,
# define the forward that applies those layers. Nothing in this file is an unused layer.
import torch
from torch import nn


class FlattenExtractor(nn.Module):
    def __init__(self, obs_dim: int, features_dim: int):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear = nn.Linear(obs_dim, features_dim)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.linear(self.flatten(obs)))


class BasePolicy(nn.Module):
    """Shared layers of every policy; subclasses decide how they are applied."""

    def __init__(self, obs_dim: int, n_actions: int, features_dim: int = 64):
        super().__init__()
        self.features_extractor = FlattenExtractor(obs_dim, features_dim)
        self.action_net = nn.Linear(features_dim, n_actions)
        self.value_net = nn.Linear(features_dim, 1)

    def forward(self, obs: torch.Tensor, deterministic: bool = False):
        raise NotImplementedError()

    def _predict(self, obs: torch.Tensor, deterministic: bool = False) -> torch.Tensor:
        raise NotImplementedError()

    def predict(self, obs: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return self._predict(obs, deterministic=True)
