# nnlint-expect: clean
# source: https://github.com/pytorch/vision/issues/1261
# The detection reference steps a scheduler on every iteration, but it is the warm-up
# LambdaLR of the first epoch; the epoch scheduler is stepped once per epoch outside.
import torch


def train_one_epoch(model, optimizer, data_loader, device, epoch):
    model.train()
    warmup = None
    if epoch == 0:
        warmup_iters = min(1000, len(data_loader) - 1)

        def f(x):
            if x >= warmup_iters:
                return 1.0
            alpha = x / warmup_iters
            return 0.001 * (1 - alpha) + alpha

        warmup = torch.optim.lr_scheduler.LambdaLR(optimizer, f)
    for images, targets in data_loader:
        images = [img.to(device) for img in images]
        targets = [{k: v.to(device) for k, v in t.items()} for t in targets]
        loss_dict = model(images, targets)
        losses = sum(loss for loss in loss_dict.values())
        optimizer.zero_grad()
        losses.backward()
        optimizer.step()
        if warmup is not None:
            warmup.step()


def main(model, data_loader, device, epochs=26):
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=0.02, momentum=0.9, weight_decay=1e-4)
    lr_scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[16, 22], gamma=0.1)
    for epoch in range(epochs):
        train_one_epoch(model, optimizer, data_loader, device, epoch)
        lr_scheduler.step()
