# nnlint-expect: NNL304
# source: https://github.com/pvjosue/pytorch_convNd/issues/4
# An N-dimensional transposed convolution built from 3-D slices keeps its own bias in
# torch.empty and only initialises it when the user passes a bias_initializer; by default
# the output is NaN.
import torch
import torch.nn as nn


class ConvTransposeNd(nn.Module):
    def __init__(self, in_channels, out_channels, num_dims, kernel_size, stride=1,
                 use_bias=True, kernel_initializer=None, bias_initializer=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.bias = nn.Parameter(torch.empty(out_channels)) if use_bias else None
        self.conv_layers = nn.ModuleList(
            nn.ConvTranspose3d(in_channels, out_channels, kernel_size, stride, bias=False)
            for _ in range(kernel_size)
        )
        if kernel_initializer is not None:
            for layer in self.conv_layers:
                kernel_initializer(layer.weight)

    def forward(self, x):
        out = sum(layer(x[:, :, i]) for i, layer in enumerate(self.conv_layers))
        if self.bias is not None:
            out = out + self.bias.view(1, -1, 1, 1, 1)
        return out
