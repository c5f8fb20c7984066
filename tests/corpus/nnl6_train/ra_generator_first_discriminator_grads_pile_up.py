# nnlint-expect: NNL608
# source: https://tarepan.hatenablog.com/entry/2020/10/22/143519
# The post's first pitfall: when G is trained first, its loss back-propagates through D and
# D's .grad fills up; the fix is netD.zero_grad() before D's own update. Here G is cleared
# and stepped first, D is stepped on top of what G's loss left in its gradients.
import torch
import torch.nn as nn


def train(netG, netD, dataloader, num_epochs, nz):
    criterion = nn.BCEWithLogitsLoss()
    optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    for epoch in range(num_epochs):
        for real, _ in dataloader:
            b = real.size(0)
            fake = netG(torch.randn(b, nz, 1, 1))

            netG.zero_grad()
            errG = criterion(netD(fake).view(-1), torch.ones(b))
            errG.backward()
            optimizerG.step()

            errD = criterion(netD(real).view(-1), torch.ones(b)) + \
                criterion(netD(fake.detach()).view(-1), torch.zeros(b))
            errD.backward()
            optimizerD.step()
