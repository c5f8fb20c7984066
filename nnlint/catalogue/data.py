"""Data loading and data-parallel training: the loaders, the samplers that split a data set
between processes, the wrappers that make a model data-parallel, and the library calls that
shard a loader themselves.

Matched against fully qualified names as the import table resolves them.
"""

from __future__ import annotations

import re

DATA_LOADERS = frozenset({"torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"})
# DataLoader(dataset, batch_size, shuffle, sampler, batch_sampler, ...): where its sampling
# arguments are passed (position, keyword).
LOADER_SHUFFLE = (2, "shuffle")
LOADER_SAMPLERS = ((3, "sampler"), (4, "batch_sampler"))

# Samplers that give each process its own part of the data set; `shuffle` (default True) is
# reseeded by `set_epoch(epoch)`.
DISTRIBUTED_SAMPLERS = frozenset({
    "torch.utils.data.distributed.DistributedSampler", "torch.utils.data.DistributedSampler",
})
SAMPLER_SHUFFLE = (3, "shuffle")
SAMPLER_RESEED_METHOD = "set_epoch"

# Wrappers that train one model replica per process, each of which must see other data.
DATA_PARALLEL_WRAPPERS = frozenset({
    "torch.nn.parallel.DistributedDataParallel", "torch.nn.parallel.distributed.DistributedDataParallel",
    "torch.distributed.fsdp.FullyShardedDataParallel",
    "torch.distributed.fsdp.fully_sharded_data_parallel.FullyShardedDataParallel",
})
# Calls (by their last name part) of libraries that replace a loader's sampler with a
# distributed one: accelerate's `Accelerator.prepare` / `prepare_data_loader`, DeepSpeed's
# `initialize(training_data=...)`, Lightning's `Fabric.setup_dataloaders`.
LOADER_SHARDING_CALLS = frozenset({"prepare", "prepare_data_loader", "setup_dataloaders", "initialize"})
# Data sets that shard themselves (streaming, WebDataset): a sampler does not apply.
SELF_SHARDING_DATASET = re.compile(r"Iterable|WebDataset|wds\.|Stream|split_by_node", re.IGNORECASE)
