# nnlint-expect: NNL613
# source: https://github.com/pytorch/pytorch/issues/31771
# The report: a shuffling DistributedSampler yields the same order every epoch. The epoch
# loop never calls sampler.set_epoch(epoch), so the shuffle seed stays at 0.
import torch
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler


def train(rank, model, dataset, epochs):
    torch.distributed.init_process_group(backend="nccl")
    model = DDP(model.to(rank), device_ids=[rank])
    sampler = DistributedSampler(dataset, shuffle=True)
    dataloader = DataLoader(dataset, batch_size=5, pin_memory=True, drop_last=True, sampler=sampler)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(epochs):
        for i, (names, images) in enumerate(dataloader, 0):
            optimizer.zero_grad()
            loss = model(images.to(rank)).mean()
            loss.backward()
            optimizer.step()
