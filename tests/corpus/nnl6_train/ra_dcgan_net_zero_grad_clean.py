# nnlint-expect: clean
# source: https://github.com/LixiangHan/GANs-for-1D-Signal/issues/3
# DCGAN-style loop clearing each network's gradients with netD.zero_grad() / netG.zero_grad()
# (the issue asks whether optimizer.zero_grad() would do the same: it does here, each
# optimizer is built from exactly one network).
import torch
import torch.nn as nn


def train(netG, netD, dataloader, epochs, nz, lr=2e-4):
    criterion = nn.BCELoss()
    optimizerD = torch.optim.Adam(netD.parameters(), lr=lr, betas=(0.5, 0.999))
    optimizerG = torch.optim.Adam(netG.parameters(), lr=lr, betas=(0.5, 0.999))
    for epoch in range(epochs):
        for i, data in enumerate(dataloader):
            netD.zero_grad()
            real = data[0]
            b = real.size(0)
            errD_real = criterion(netD(real).view(-1), torch.ones(b))
            errD_real.backward()
            fake = netG(torch.randn(b, nz, 1))
            errD_fake = criterion(netD(fake.detach()).view(-1), torch.zeros(b))
            errD_fake.backward()
            optimizerD.step()

            netG.zero_grad()
            errG = criterion(netD(fake).view(-1), torch.ones(b))
            errG.backward()
            optimizerG.step()
