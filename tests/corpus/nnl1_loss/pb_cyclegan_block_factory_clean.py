# nnlint-expect: clean
# source: https://github.com/pytorch/ignite/blob/master/examples/notebooks/CycleGAN_with_torch_cuda_amp.ipynb
# CycleGAN generator built from block factories: the blocks end in ReLU, but the output
# block is built with with_relu=False and its last layer replaced by Tanh, so the cycle
# L1 loss gets a bounded, signed image.
import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_norm_relu(cin, cout, kernel, stride, reflect=True, with_relu=True):
    layers = []
    padding = (kernel - 1) // 2
    if reflect:
        layers.append(nn.ReflectionPad2d(padding))
        padding = 0
    layers += [nn.Conv2d(cin, cout, kernel, stride, padding), nn.InstanceNorm2d(cout)]
    if with_relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


def up_norm_relu(cin, cout):
    return nn.Sequential(nn.ConvTranspose2d(cin, cout, 3, 2, 1, output_padding=1),
                         nn.InstanceNorm2d(cout), nn.ReLU(inplace=True))


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.down = nn.Sequential(conv_norm_relu(3, 64, 7, 1), conv_norm_relu(64, 128, 3, 2, reflect=False))
        self.up = up_norm_relu(128, 64)
        self.to_rgb = conv_norm_relu(64, 3, 7, 1, with_relu=False)
        self.to_rgb[-1] = nn.Tanh()

    def forward(self, x):
        return self.to_rgb(self.up(self.down(x)))


gen_ab, gen_ba = Generator(), Generator()
optimizer = torch.optim.Adam(list(gen_ab.parameters()) + list(gen_ba.parameters()), lr=2e-4, betas=(0.5, 0.999))


def generator_step(real_a, real_b, cycle_weight=10.0):
    optimizer.zero_grad()
    rec_a = gen_ba(gen_ab(real_a))
    rec_b = gen_ab(gen_ba(real_b))
    loss = (F.l1_loss(rec_a, real_a) + F.l1_loss(rec_b, real_b)) * cycle_weight
    loss.backward()
    optimizer.step()
    return loss.item()
