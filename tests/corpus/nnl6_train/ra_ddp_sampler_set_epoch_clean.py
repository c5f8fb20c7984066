# nnlint-expect: clean
# source: https://github.com/kan-bayashi/ParallelWaveGAN/issues/177
# The suggested fix: a DistributedSampler when distributed, and set_epoch(epoch) at the top
# of every epoch before the loader is iterated.
import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler


def run(model, dataset, start_epoch, n_epochs, is_distributed, rank):
    if is_distributed:
        model = DistributedDataParallel(model, device_ids=[rank])
    sampler = DistributedSampler(dataset) if is_distributed else None
    loader = DataLoader(dataset, shuffle=(sampler is None), sampler=sampler, batch_size=16)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    for epoch in range(start_epoch, n_epochs):
        if is_distributed:
            sampler.set_epoch(epoch)
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.l1_loss(model(x), y).backward()
            optimizer.step()
