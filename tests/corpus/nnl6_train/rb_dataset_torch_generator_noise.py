# nnlint-expect: NNL611
# source: https://github.com/pytorch/pytorch/pull/107034
# A torch.Generator created by the dataset is not one the workers reseed (only the global
# generator is): each worker adds the same noise sequence.
import torch
from torch.utils.data import DataLoader, Dataset


class NoisySignals(Dataset):
    def __init__(self, signals, sigma=0.1):
        self.signals = signals
        self.sigma = sigma
        self.gen = torch.Generator()

    def __len__(self):
        return len(self.signals)

    def __getitem__(self, i):
        x = self.signals[i]
        return x + self.sigma * torch.randn(x.shape, generator=self.gen)


train_loader = DataLoader(NoisySignals(torch.randn(1000, 128)), batch_size=32, shuffle=True, num_workers=4)
