# nnlint-expect: NNL604
# source: https://github.com/IgorSusmelj/pytorch-styleguide/issues/3
# The style guide presented output = self.net.forward(input) as equivalent to
# self.net(input); in a GAN-style wrapper it silently bypasses __call__ and its hooks.
import torch
import torch.nn as nn


class Pix2PixModel(nn.Module):
    def __init__(self, net_g, net_d):
        super().__init__()
        self.net = net_g
        self.disc = net_d

    def generator_step(self, real_a, optimizer_g):
        optimizer_g.zero_grad()
        fake_b = self.net.forward(real_a)
        pred_fake = self.disc(torch.cat([real_a, fake_b], 1))
        loss = nn.functional.binary_cross_entropy_with_logits(pred_fake, torch.ones_like(pred_fake))
        loss.backward()
        optimizer_g.step()
        return fake_b
