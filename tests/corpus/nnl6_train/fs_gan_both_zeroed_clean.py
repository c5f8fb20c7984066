# nnlint-expect: clean
# source: https://ireneli.eu/2019/07/16/deep-learning-18-gans-with-pytorch/
# The post's loop as the tutorial writes it: each network's gradients are cleared before its own
# backward pass.
        for i, (real, _) in enumerate(dataloader):
            netD.zero_grad()
            label = torch.full((real.size(0),), 1.0)
            errD_real = criterion(netD(real).view(-1), label)
            errD_real.backward()
            fake = netG(torch.randn(real.size(0), nz, 1, 1))
            label.fill_(0.0)
            errD_fake = criterion(netD(fake.detach()).view(-1), label)
            errD_fake.backward()
            optimizerD.step()

            netG.zero_grad()
            label.fill_(1.0)
            errG = criterion(netD(fake).view(-1), label)
            errG.backward()
            optimizerG.step()
