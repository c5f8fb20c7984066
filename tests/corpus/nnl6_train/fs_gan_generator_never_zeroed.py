# nnlint-expect: NNL608
# source: https://ireneli.eu/2019/07/16/deep-learning-18-gans-with-pytorch/
# nnlint-xfail: the optimizers are built outside the paste; netD.zero_grad() covers an optimizer only when nnlint sees it built from netD's parameters, so it cannot tell that optimizerG is never cleared
# The post walks through the tutorial's four steps; pasted here from inside the epoch loop
# (indented), step 4 lost its netG.zero_grad(), so the generator steps with the sum of every
# iteration's gradients.
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

            label.fill_(1.0)
            errG = criterion(netD(fake).view(-1), label)
            errG.backward()
            optimizerG.step()
