# nnlint-expect: NNL611
# source: https://github.com/wolny/pytorch-3dunet/issues/32
# The dataset seeds one RandomState for its rotations and contrast changes; every loader
# worker gets a copy of it, so the workers rotate their patches by the same angles.
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class PatchDataset(Dataset):
    def __init__(self, volumes, seed=47):
        self.volumes = volumes
        self.random_state = np.random.RandomState(seed)

    def __len__(self):
        return len(self.volumes)

    def __getitem__(self, index):
        patch = self.volumes[index]
        k = self.random_state.randint(0, 4)
        patch = np.rot90(patch, k, axes=(1, 2))
        factor = self.random_state.uniform(0.6, 1.4)
        return torch.from_numpy(np.ascontiguousarray(patch * factor)).float()


def make_loader(volumes, config):
    return DataLoader(PatchDataset(volumes), batch_size=config["batch_size"], shuffle=True,
                      num_workers=config["num_workers"])
