from nnlint.catalogue.data import SELF_SHARDING_DATASET
from nnlint.catalogue.names import EVAL_DATA_WORD, TRAIN_DATA_WORD
from nnlint.rules.base import Rule


class DistributedSamplingMissing(Rule):
    """
    ## What it does
    Finds two mistakes of data-parallel training:

    - a file that wraps its model in `DistributedDataParallel` (or FSDP) and builds a
      training `DataLoader` (shuffled, or named for training) with no `sampler=` /
      `batch_sampler=`, while nothing in the file builds a `DistributedSampler` or hands the
      loader to a library that shards it (accelerate's `prepare`, Lightning Fabric's
      `setup_dataloaders`);
    - a shuffling `DistributedSampler` in a file whose epoch loop never calls
      `sampler.set_epoch(epoch)` (nor `loader.sampler.set_epoch(...)`).

    The first finding sits on the `DataLoader(...)`, the second on the `DistributedSampler(...)`.

    ## Why is this bad?
    Without a distributed sampler every process iterates over the *whole* data set: N GPUs
    compute N copies of the same epoch (or N differently shuffled copies), so an epoch takes
    as long as on one GPU, the effective batch holds duplicates, and the learning-rate and
    epoch schedule tuned for N-fold data parallelism no longer match what is trained.
    A `DistributedSampler` shuffles with a seed derived from its epoch counter; without
    `set_epoch` the counter stays 0, so every epoch visits the samples in exactly the same
    order and each process always gets the same shard — shuffling is silently off.

    ## Example
    ```python
    model = DDP(model.to(rank), device_ids=[rank])
    sampler = DistributedSampler(train_set)
    loader = DataLoader(train_set, batch_size=64, sampler=sampler)
    for epoch in range(epochs):
        for x, y in loader:
            ...
    ```

    ## Use instead
    ```python
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for x, y in loader:
            ...
    ```

    ## How dynamic mode confirms it
    Not checked: `check --dynamic` builds and probes models, it does not run training code,
    so this finding gets "not checked" with that reason.

    ## When to ignore it
    When the data set shards itself (an `IterableDataset` or WebDataset split by rank —
    nnlint stays silent when the data set's name says so), when the sampler is set in
    another file or by a framework (Lightning's `Trainer` adds the sampler and calls
    `set_epoch` for you), and for evaluation loaders, which are not reported.

    On the precision corpus (the 29 public repositories of docs/precision.md) it reports no
    finding: no false alarm, precision not measurable there.

    ## Precision
    Opt-in (enable it with `--extend-select NNL613`). Pooled over the four held-out sets
    (docs/precision.md) 15 of 19 findings read were real (79 %); the false ones were
    `DistributedSampler`s that only feed evaluation (where the order of batches does not
    matter), also when built by a helper that only validation calls.
    """

    code = "NNL613"
    default_enabled = False  # under 90 % pooled on the held-out precision sets (docs/precision.md)
    reads = ("distributed",)
    name = "distributed-sampling-missing"
    summary = "DDP training without a DistributedSampler, or a DistributedSampler whose set_epoch is never called."
    fix_hint = "Give the training DataLoader a DistributedSampler and call sampler.set_epoch(epoch) at each epoch."
    invalid = (
        """\
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader

def main(rank, world_size, train_set, model):
    dist.init_process_group("nccl", rank=rank, world_size=world_size)
    model = DDP(model.to(rank), device_ids=[rank])
    loader = DataLoader(train_set, batch_size=32, shuffle=True)  # <--
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(10):
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(x.to(rank)), y.to(rank)).backward()
            optimizer.step()
""",
        """\
import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

def train(rank, model, dataset, epochs):
    model = DistributedDataParallel(model, device_ids=[rank])
    sampler = DistributedSampler(dataset)  # <--
    loader = DataLoader(dataset, batch_size=32, sampler=sampler)
    optimizer = torch.optim.Adam(model.parameters())
    for epoch in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
""",
    )
    valid = (
        """\
import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

def train(rank, model, dataset, val_set, epochs):
    model = DistributedDataParallel(model, device_ids=[rank])
    sampler = DistributedSampler(dataset)
    loader = DataLoader(dataset, batch_size=32, sampler=sampler)
    val_loader = DataLoader(val_set, batch_size=64, shuffle=False)
    optimizer = torch.optim.Adam(model.parameters())
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
""",
        """\
import torch
from accelerate import Accelerator
from torch.utils.data import DataLoader

accelerator = Accelerator()

def train(model, train_set, epochs):
    loader = DataLoader(train_set, batch_size=32, shuffle=True)
    optimizer = torch.optim.AdamW(model.parameters())
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    for epoch in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            accelerator.backward(torch.nn.functional.mse_loss(model(x), y))
            optimizer.step()
""",
        """\
import torch
from torch.utils.data import DataLoader, DistributedSampler

def build_loader(dataset, distributed):
    # Built here, iterated in another file (which calls set_epoch): nothing to check here.
    sampler = DistributedSampler(dataset) if distributed else None
    return DataLoader(dataset, batch_size=16, sampler=sampler, shuffle=sampler is None)
""",
    )

    def check(self, facts, report) -> None:
        distributed = facts.distributed
        if distributed is None:
            return
        if distributed.wrappers and not distributed.samplers and not distributed.sharded_by_library:
            wrapper = distributed.wrappers[0]
            for loader in distributed.loaders:
                if loader.has_sampler or not _trains(loader) or SELF_SHARDING_DATASET.search(loader.dataset):
                    continue
                report(
                    loader.node,
                    f"this DataLoader has no DistributedSampler, but the model is wrapped in data-parallel training "
                    f"({report.where(wrapper)}): every process iterates over the whole data set, so N processes "
                    "train N copies of each epoch. Pass `sampler=DistributedSampler(dataset)` (and drop `shuffle`).",
                    related=[(wrapper, "the model is made data-parallel here")],
                )
        if distributed.reseeds or not distributed.has_epoch_loop:
            return
        for sampler in distributed.samplers:
            if not sampler.shuffles:
                continue
            report(
                sampler.node,
                f"this DistributedSampler shuffles with a seed taken from its epoch, but nothing in the file calls "
                f"set_epoch(): every epoch sees the same order and each process the same shard. Call "
                f"`{sampler.bound_to}.set_epoch(epoch)` at the start of each epoch."
                if sampler.bound_to else
                "this DistributedSampler shuffles with a seed taken from its epoch, but nothing in the file calls "
                "set_epoch(): every epoch sees the same order and each process the same shard. Keep the sampler in a "
                "variable and call its set_epoch(epoch) at the start of each epoch.",
            )


def _trains(loader) -> bool:
    """A loader for training: shuffled, or named for training and not for evaluation."""
    if loader.shuffle is True:
        return True
    if loader.shuffle is False:
        return False
    words = f"{loader.bound_to} {loader.dataset}"
    return bool(TRAIN_DATA_WORD.search(words)) and not EVAL_DATA_WORD.search(words)
