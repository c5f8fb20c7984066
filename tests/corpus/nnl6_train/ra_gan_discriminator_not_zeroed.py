# nnlint-expect: NNL608
# source: https://github.com/Adversarial-Deep-Learning/code-soup/issues/69
# A GAN class whose step() clears the generator's gradients but never the discriminator's
# (the issue: "add self.discriminator.zero_grad()"): D's updates use the sum of every past
# gradient, including what the generator's loss sent through it.
import torch
import torch.nn as nn


class GAN:
    def __init__(self, generator, discriminator, lr=2e-4, latent_dim=100):
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.criterion = nn.BCELoss()
        self.optimizer_G = torch.optim.Adam(generator.parameters(), lr=lr, betas=(0.5, 0.999))
        self.optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=lr, betas=(0.5, 0.999))

    def step(self, real):
        b = real.size(0)
        z = torch.randn(b, self.latent_dim)
        fake = self.generator(z)
        err_real = self.criterion(self.discriminator(real), torch.ones(b, 1))
        err_fake = self.criterion(self.discriminator(fake.detach()), torch.zeros(b, 1))
        err_d = err_real + err_fake
        err_d.backward()
        self.optimizer_D.step()

        self.generator.zero_grad()
        err_g = self.criterion(self.discriminator(fake), torch.ones(b, 1))
        err_g.backward()
        self.optimizer_G.step()
        return err_d.item(), err_g.item()

    def train(self, loader, epochs):
        for epoch in range(epochs):
            for real, _ in loader:
                self.step(real)
