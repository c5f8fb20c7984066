# nnlint-expect: NNL110, NNL203
# source: https://github.com/metatensor/metatrain/pull/401
# Energies are scaled to unit standard deviation before training; a tanh at the output then
# caps predictions at one standard deviation.
import torch
from torch import nn


class EnergyModel(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(d, 128), nn.SiLU(), nn.Linear(128, 1), nn.Tanh())

    def forward(self, descriptors):
        return self.mlp(descriptors)


descriptors = torch.randn(1000, 32)
energies = torch.randn(1000, 1) * 4.0 - 120.0
energy_std = energies.std()
scaled = (energies - energies.mean()) / energy_std
model = EnergyModel(32)
loss = nn.functional.mse_loss(model(descriptors), scaled)
loss.backward()
