# nnlint-expect: NNL102
# source: https://github.com/clvrai/ACGAN-PyTorch/pull/4
# The AC-GAN discriminator's auxiliary classifier is a Linear followed by nn.Softmax
# inside an nn.Sequential; its output goes to nn.NLLLoss.
import torch
import torch.nn as nn


class Discriminator(nn.Module):
    def __init__(self, n_classes=10, ndf=64):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, ndf, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2),
        )
        self.fc_dis = nn.Sequential(nn.Linear(ndf * 2 * 8 * 8, 1), nn.Sigmoid())
        self.fc_aux = nn.Sequential(nn.Linear(ndf * 2 * 8 * 8, n_classes), nn.Softmax(dim=1))

    def forward(self, x):
        h = self.features(x).flatten(1)
        return self.fc_dis(h).view(-1), self.fc_aux(h)


netD = Discriminator()
dis_criterion = nn.BCELoss()
aux_criterion = nn.NLLLoss()
optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))


def d_step(real, label):
    optimizerD.zero_grad()
    dis_output, aux_output = netD(real)
    errD = dis_criterion(dis_output, torch.ones_like(dis_output)) + aux_criterion(aux_output, label)
    errD.backward()
    optimizerD.step()
