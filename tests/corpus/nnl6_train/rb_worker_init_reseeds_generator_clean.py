# nnlint-expect: clean
# source: https://github.com/xingyizhou/CenterNet/issues/233
# The dataset keeps its own generator, and the loader reseeds it in each worker from the
# worker's torch seed, which changes every epoch.
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class Detections(Dataset):
    def __init__(self, images):
        self.images = images
        self.rng = np.random.default_rng()

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        scale = self.rng.uniform(0.6, 1.4)
        return self.images[i] * scale


def reseed_worker(worker_id):
    info = torch.utils.data.get_worker_info()
    info.dataset.rng = np.random.default_rng(info.seed % 2**32)


loader = DataLoader(Detections([]), batch_size=32, shuffle=True, num_workers=4, worker_init_fn=reseed_worker)
