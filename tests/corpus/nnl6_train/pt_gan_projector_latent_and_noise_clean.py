# nnlint-expect: clean
# source: https://github.com/yuval-alaluf/restyle-encoder/issues/85
# Projecting an image into a GAN's latent space optimises the latent `w` and the per-layer
# noise maps, not the generator's weights: Adam at 0.1 over `[w] + list(noise.values())`
# moves the inputs directly, as the StyleGAN2 projector the issue points to does.
import torch
import torch.nn.functional as F


def project(generator, target, noise_maps, w_avg, steps=1000, initial_learning_rate=0.1):
    w_opt = w_avg.clone().detach().requires_grad_(True)
    for buf in noise_maps.values():
        buf.requires_grad = True
    optimizer = torch.optim.Adam([w_opt] + list(noise_maps.values()), betas=(0.9, 0.999),
                                 lr=initial_learning_rate)
    for step in range(steps):
        image = generator(w_opt)
        loss = F.mse_loss(image, target)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return w_opt.detach()
