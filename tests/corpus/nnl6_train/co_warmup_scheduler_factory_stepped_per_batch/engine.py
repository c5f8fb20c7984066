# nnlint-expect: clean
# source: https://github.com/pytorch/vision/issues/1261
# The reference detection loop the report asks about: a scheduler stepped after every batch
# in train_one_epoch, built by a helper in another file. It is the first epoch's warmup,
# whose lambda counts iterations, so stepping it per batch is right (the epoch scheduler is
# stepped by the caller once per epoch).
import torch

from utils import warmup_lr_scheduler


def train_one_epoch(model, optimizer, data_loader, epoch):
    model.train()
    lr_scheduler = None
    if epoch == 0:
        warmup_iters = min(1000, len(data_loader) - 1)
        lr_scheduler = warmup_lr_scheduler(optimizer, warmup_iters, 1.0 / 1000)
    for images, targets in data_loader:
        loss_dict = model(images, targets)
        losses = sum(loss for loss in loss_dict.values())
        optimizer.zero_grad()
        losses.backward()
        optimizer.step()
        if lr_scheduler is not None:
            lr_scheduler.step()


def main(model, data_loader, epochs=26):
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=0.02, momentum=0.9, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[16, 22], gamma=0.1)
    for epoch in range(epochs):
        train_one_epoch(model, optimizer, data_loader, epoch)
        scheduler.step()
