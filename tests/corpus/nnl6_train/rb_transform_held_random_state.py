# nnlint-expect: NNL611
# source: https://github.com/Project-MONAI/MONAI/issues/1068
# nnlint-xfail: the RandomState lives in a transform object the dataset holds, not in the dataset's own __init__
# A randomizable transform owns its RandomState; the dataset holding it is copied into every
# worker and every epoch starts again from the same state.
import numpy as np
from torch.utils.data import DataLoader, Dataset


class RandScale:
    def __init__(self):
        self.R = np.random.RandomState()

    def __call__(self, x):
        return x * self.R.uniform(0.5, 1.5)


class ArrayDataset(Dataset):
    def __init__(self, items, transform):
        self.items = items
        self.transform = transform

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.transform(self.items[i])


loader = DataLoader(ArrayDataset(np.arange(12.0), RandScale()), batch_size=3, num_workers=3)
