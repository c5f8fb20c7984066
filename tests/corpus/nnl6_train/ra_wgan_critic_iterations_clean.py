# nnlint-expect: clean
# source: https://github.com/ajbrock/BigGAN-PyTorch/issues/25
# The fix of that issue: the discriminator's optimizer is cleared before each of its
# num_D_steps updates, the generator's before its own update.
import torch


def train_step(G, D, G_optim, D_optim, loader_iter, z_dim, num_D_steps=2):
    for step_index in range(num_D_steps):
        D_optim.zero_grad()
        real = next(loader_iter)
        z = torch.randn(real.size(0), z_dim)
        d_loss = torch.relu(1.0 - D(real)).mean() + torch.relu(1.0 + D(G(z).detach())).mean()
        d_loss.backward()
        D_optim.step()
    G_optim.zero_grad()
    g_loss = -D(G(torch.randn(real.size(0), z_dim))).mean()
    g_loss.backward()
    G_optim.step()


def train(G, D, loader, iterations, z_dim):
    G_optim = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.0, 0.999))
    D_optim = torch.optim.Adam(D.parameters(), lr=4e-4, betas=(0.0, 0.999))
    for it in range(iterations):
        train_step(G, D, G_optim, D_optim, iter(loader), z_dim)
