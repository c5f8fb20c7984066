# nnlint-expect: clean
# source: https://github.com/open-mmlab/OpenPCDet/issues/886
# Augmentation from numpy's global generator: torch 1.9 and later reseed it in every worker,
# so the workers no longer repeat each other.
import numpy as np
from torch.utils.data import DataLoader, Dataset


class PointCloudDataset(Dataset):
    def __init__(self, clouds):
        self.clouds = clouds

    def __len__(self):
        return len(self.clouds)

    def __getitem__(self, index):
        points = self.clouds[index]
        if np.random.rand() < 0.5:
            points[:, 1] = -points[:, 1]
        angle = np.random.uniform(-np.pi / 4, np.pi / 4)
        c, s = np.cos(angle), np.sin(angle)
        return points @ np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]], dtype=points.dtype)


loader = DataLoader(PointCloudDataset([]), batch_size=4, shuffle=True, num_workers=8)
