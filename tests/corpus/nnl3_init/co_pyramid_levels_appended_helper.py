# nnlint-expect: NNL302
# source: https://github.com/pystiche/pystiche/issues/141
# nnlint-xfail: the helper conv_block builds both the registered self.base and the listed levels; the interpreter keeps one abstract module per construction site, so the listed blocks look registered through self.base
# A multi-scale texture generator: with one level it runs on the GPU, with two the extra
# level's convolutions stay on the CPU. Reconstructed: the blocks of the extra levels come
# from a helper and are appended to a plain list attribute, so .to(device) skips them.
import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_block(in_channels, out_channels):
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1),
        nn.InstanceNorm2d(out_channels),
        nn.LeakyReLU(0.2),
    )


class MultiScaleGenerator(nn.Module):
    def __init__(self, levels=2, channels=8):
        super().__init__()
        self.base = conv_block(3, channels)
        self.levels = []
        for _ in range(levels - 1):
            self.levels.append(conv_block(3 + channels, channels))
        self.to_rgb = nn.Conv2d(channels, 3, 1)

    def forward(self, image):
        x = self.base(F.avg_pool2d(image, 2 ** len(self.levels)))
        for i, level in enumerate(self.levels):
            scale = 2 ** (len(self.levels) - i - 1)
            x = F.interpolate(x, scale_factor=2)
            x = level(torch.cat([F.avg_pool2d(image, scale), x], dim=1))
        return self.to_rgb(x)
