# nnlint-expect: NNL502
# source: https://github.com/ando-khachatryan/HiDDeN/issues/13
# The maintainer's explanation: test_model.py run without eval() gives coin-flip bit
# accuracy because batch-norm uses the statistics of each test batch.
import torch
import torch.nn as nn


class ConvBNRelu(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Decoder(nn.Module):
    def __init__(self, message_length=30, channels=64):
        super().__init__()
        self.layers = nn.Sequential(ConvBNRelu(3, channels), ConvBNRelu(channels, channels),
                                    ConvBNRelu(channels, message_length))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.linear = nn.Linear(message_length, message_length)

    def forward(self, image):
        return self.linear(self.pool(self.layers(image)).flatten(1))


def test_model(checkpoint, images, messages):
    decoder = Decoder()
    decoder.load_state_dict(torch.load(checkpoint)["decoder"])
    with torch.no_grad():
        decoded = decoder(images).round().clamp(0, 1)
    bit_error = (decoded != messages).float().mean().item()
    return bit_error
