# nnlint-expect: NNL608
# source: https://github.com/opendp/smartnoise-sdk/issues/280
# PATE-style GAN: each teacher discriminator and the generator clear their gradients, the
# student discriminator's optimizer steps without a zero_grad() (the maintainers: "It's
# actually a bug").
import torch


def fit(generator, teachers, student, data_loaders, epochs, noise_dim, lr=1e-4):
    opt_g = torch.optim.Adam(generator.parameters(), lr=lr)
    opt_s = torch.optim.Adam(student.parameters(), lr=lr)
    opt_t = [torch.optim.Adam(t.parameters(), lr=lr) for t in teachers]
    for epoch in range(epochs):
        for batches in zip(*data_loaders):
            for teacher, optimizer, real in zip(teachers, opt_t, batches):
                optimizer.zero_grad()
                fake = generator(torch.randn(real.size(0), noise_dim)).detach()
                loss_t = -(torch.log(teacher(real)).mean() + torch.log(1 - teacher(fake)).mean())
                loss_t.backward()
                optimizer.step()

            fake = generator(torch.randn(64, noise_dim))
            labels = torch.stack([t(fake.detach()).round() for t in teachers]).mean(0).round()
            loss_s = torch.nn.functional.binary_cross_entropy(student(fake.detach()), labels)
            loss_s.backward()
            opt_s.step()

            opt_g.zero_grad()
            loss_g = -torch.log(student(fake)).mean()
            loss_g.backward()
            opt_g.step()
