# nnlint-expect: NNL613
# source: https://github.com/NVIDIA/tacotron2/issues/241
# The training script builds a DistributedSampler for the distributed run and never calls
# set_epoch in its epoch loop: "the dataloader will get the same batch at every epoch".
import torch
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler


def prepare_dataloaders(trainset, hparams):
    train_sampler = DistributedSampler(trainset) if hparams.distributed_run else None
    return DataLoader(trainset, num_workers=1, shuffle=train_sampler is None, sampler=train_sampler,
                      batch_size=hparams.batch_size, pin_memory=False, drop_last=True)


def train(model, criterion, trainset, hparams):
    train_loader = prepare_dataloaders(trainset, hparams)
    optimizer = torch.optim.Adam(model.parameters(), lr=hparams.learning_rate)
    iteration = 0
    for epoch in range(hparams.epochs):
        for i, batch in enumerate(train_loader):
            model.zero_grad()
            x, y = model.parse_batch(batch)
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            iteration += 1
