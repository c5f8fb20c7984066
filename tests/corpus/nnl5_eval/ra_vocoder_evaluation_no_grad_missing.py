# nnlint-expect: NNL506
# source: https://github.com/kan-bayashi/ParallelWaveGAN/pull/26
# The trainer's evaluation step runs generator and discriminator on each dev batch with
# gradients on (the fix: "Fix additional memory consuming in the evaluation").
import torch


class Trainer:
    def __init__(self, generator, discriminator, criterion, data_loader, config):
        self.generator = generator
        self.discriminator = discriminator
        self.criterion = criterion
        self.data_loader = data_loader
        self.config = config

    def _eval_epoch(self):
        self.generator.eval()
        self.discriminator.eval()
        total = 0.0
        for eval_steps_per_epoch, (x, y) in enumerate(self.data_loader["dev"], 1):
            y_ = self.generator(x)
            total += self.criterion["stft"](y_.squeeze(1), y.squeeze(1)).item()
        return total / eval_steps_per_epoch
