# nnlint-expect: clean
# source: https://github.com/NVIDIA/NeMo/blob/main/nemo/collections/multimodal/modules/stable_diffusion/diffusionmodules/denoiser_scaling.py
# EDM preconditioning divides by sigma ** 2 + sigma_data ** 2 and takes its square root;
# sigma_data is a positive hyperparameter (0.5), so neither can be 0.
import torch
from torch import nn


class EDMDenoiser(nn.Module):
    def __init__(self, net, sigma_data=0.5):
        super().__init__()
        self.net = net
        self.sigma_data = sigma_data

    def scalings(self, sigma):
        c_skip = self.sigma_data ** 2 / (sigma ** 2 + self.sigma_data ** 2)
        c_out = sigma * self.sigma_data / (sigma ** 2 + self.sigma_data ** 2) ** 0.5
        c_in = 1 / torch.sqrt(sigma ** 2 + self.sigma_data ** 2)
        return c_skip, c_out, c_in

    def forward(self, x, sigma):
        c_skip, c_out, c_in = self.scalings(sigma.view(-1, 1, 1, 1))
        return c_skip * x + c_out * self.net(c_in * x, sigma.log() / 4)
