# nnlint-expect: clean
# source: https://github.com/innnky/so-vits-svc/issues/70
# The reporter's fix: a DistributedSampler in the training loader and
# train_loader.sampler.set_epoch(epoch) in the epoch loop.
import torch
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader


def run(rank, n_gpus, hps, net_g, train_dataset):
    net_g = DDP(net_g.cuda(rank), device_ids=[rank])
    train_sampler = torch.utils.data.distributed.DistributedSampler(
        train_dataset, num_replicas=n_gpus, rank=rank, shuffle=True)
    train_loader = DataLoader(train_dataset, num_workers=8, pin_memory=False, batch_size=hps.train.batch_size,
                              sampler=train_sampler)
    optim_g = torch.optim.AdamW(net_g.parameters(), hps.train.learning_rate)
    for epoch in range(1, hps.train.epochs + 1):
        train_loader.sampler.set_epoch(epoch)
        for batch_idx, (c, spec, y) in enumerate(train_loader):
            y_hat = net_g(c.cuda(rank), spec.cuda(rank))
            loss = torch.nn.functional.l1_loss(y_hat, y.cuda(rank))
            optim_g.zero_grad()
            loss.backward()
            optim_g.step()
