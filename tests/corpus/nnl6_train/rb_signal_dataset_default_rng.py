# nnlint-expect: NNL611
# source: https://github.com/TorchDSP/torchsig/issues/343
# A signal dataset keeps a numpy Generator for its random impairments; two workers print the
# same "random" values in lockstep.
import numpy as np
import torch
import torch.utils.data as data


class ImpairedSignals(data.Dataset):
    def __init__(self, num_samples, seed=None):
        self.num_samples = num_samples
        self.random_generator = np.random.default_rng(seed)

    def __len__(self):
        return self.num_samples

    def _impair(self, iq):
        gain = self.random_generator.uniform(0, 1000)
        return iq * gain

    def __getitem__(self, idx):
        iq = np.ones(1024, dtype=np.complex64)
        return torch.from_numpy(self._impair(iq))


dataset = ImpairedSignals(10_000)
loader = data.DataLoader(dataset, batch_size=16, num_workers=2)
