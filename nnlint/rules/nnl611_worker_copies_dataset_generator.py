from nnlint.rules.base import Rule


class WorkerCopiesDatasetGenerator(Rule):
    """
    ## What it does
    Finds a `Dataset` that builds a random-generator object in `__init__`
    (`self.rng = np.random.default_rng(seed)`, `np.random.RandomState(...)`,
    `random.Random(...)`, `torch.Generator()`) and draws its augmentations from it, loaded by a
    `DataLoader` with worker processes (`num_workers` > 0, or a value set elsewhere) and no
    `worker_init_fn`.

    ## Why is this bad?
    Each worker process gets a copy of the dataset, generator state included. PyTorch reseeds
    the generators it knows in every worker — Python's `random`, torch's and (since torch
    1.9) numpy's global one — but not a generator object the dataset holds. So all workers
    draw the same "random" crops, flips and noise, in the same order; and since the workers
    are started again each epoch from the main process's unchanged copy, every epoch repeats
    the previous one's augmentations. The model sees a fraction of the variety you think it
    does and overfits — a data bug the seed's "check your data augmentation" points at.

    ## Example
    ```python
    class Crops(Dataset):
        def __init__(self, images, seed=0):
            self.images = images
            self.rng = np.random.default_rng(seed)

        def __getitem__(self, i):
            y, x = self.rng.integers(0, 32, size=2)
            return self.images[i][:, y:y + 224, x:x + 224]

    loader = DataLoader(Crops(images), batch_size=64, num_workers=8)
    ```

    ## Use instead
    Draw from the generators PyTorch reseeds per worker (`torch.randint`, `np.random.*`,
    `random.*`), or reseed the dataset's own generator in each worker:
    ```python
    def reseed(worker_id):
        info = torch.utils.data.get_worker_info()
        info.dataset.rng = np.random.default_rng(info.seed)

    loader = DataLoader(Crops(images), batch_size=64, num_workers=8, worker_init_fn=reseed)
    ```

    ## Dynamic mode
    Not checked: `check --dynamic` does not confirm or refute this finding.

    ## When to ignore it
    When identical draws are wanted (a fixed validation set built from a seeded generator
    that does not change between items is better built once in `__init__`). A DataLoader that
    gets a `worker_init_fn` is trusted to reseed, and one whose arguments come from
    `**kwargs` is not judged; `num_workers` read from a config counts as workers, since
    that is how it is usually set. Global `np.random` calls in `__getitem__` are not reported:
    torch 1.9 and later reseed numpy per worker (before 1.9 they repeated too).
    """

    code = "NNL611"
    reads = ("data_loading",)
    name = "worker-copies-dataset-generator"
    summary = "DataLoader workers each copy a dataset's random generator, so they repeat the same augmentations."
    fix_hint = "Reseed the generator in a worker_init_fn, or use torch / np.random / random, which each worker reseeds."
    invalid = (
        """\
import numpy as np
from torch.utils.data import DataLoader, Dataset

class Crops(Dataset):
    def __init__(self, images, seed=0):
        self.images = images
        self.rng = np.random.default_rng(seed)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        y, x = self.rng.integers(0, 32, size=2)
        return self.images[i][:, y:y + 224, x:x + 224]

loader = DataLoader(Crops([]), batch_size=64, num_workers=8)  # <--
""",
        """\
import random
import torch
import torch.utils.data as data
import pytorch_lightning as pl

class Noisy(data.Dataset):
    def __init__(self, signals):
        self.signals = signals
        self.random = random.Random(1234)

    def __getitem__(self, i):
        return self.signals[i] * self.random.uniform(0.8, 1.2)

class DataModule(pl.LightningDataModule):
    def setup(self, stage=None):
        self.train_set = Noisy(torch.randn(100, 16))

    def train_dataloader(self):
        return data.DataLoader(self.train_set, batch_size=32, num_workers=self.hparams.workers)  # <--
""",
    )
    valid = (
        """\
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

class Crops(Dataset):
    def __init__(self, images):
        self.images = images
        self.rng = np.random.default_rng(0)

    def __getitem__(self, i):
        y, x = np.random.randint(0, 32, size=2)  # reseeded in every worker since torch 1.9
        return self.images[i][:, y:y + 224, x:x + 224]

def reseed(worker_id):
    info = torch.utils.data.get_worker_info()
    info.dataset.rng = np.random.default_rng(info.seed)

class Jitter(Dataset):
    def __init__(self, images):
        self.images = images
        self.rng = np.random.default_rng(0)

    def __getitem__(self, i):
        return self.images[i] + self.rng.normal()

train = DataLoader(Jitter([]), batch_size=8, num_workers=4, worker_init_fn=reseed)
single = DataLoader(Jitter([]), batch_size=8, num_workers=0)
crops = DataLoader(Crops([]), batch_size=8, num_workers=4)
""",
    )

    def check(self, facts, report) -> None:
        for loader in facts.worker_loaders:
            generator = loader.generator
            report(
                loader.node,
                f"{generator.dataset} draws from self.{generator.attribute} ({generator.constructor}, built at "
                f"{report.where(generator.node)}), and this DataLoader copies it into each of its workers "
                f"(num_workers={loader.workers}) without a worker_init_fn: every worker, and every epoch, repeats "
                "the same random augmentations. Reseed it per worker in a worker_init_fn, or draw from torch / "
                "np.random / random, which each worker reseeds.",
                related=((generator.node, "generator built here"), (generator.use, "drawn from here")),
            )
