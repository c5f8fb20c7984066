# nnlint-expect: NNL613
# source: https://github.com/PatrickHua/SimSiam/issues/16
# DistributedDataParallel training whose loader shuffles the whole data set in every
# process (no DistributedSampler): each epoch runs the data once per GPU.
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader


def main(args, model, train_set):
    dist.init_process_group(backend="nccl", init_method="env://")
    torch.cuda.set_device(args.local_rank)
    model = DistributedDataParallel(model.cuda(), device_ids=[args.local_rank])
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, num_workers=8,
                              pin_memory=True, drop_last=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
    for epoch in range(args.epochs):
        for (x1, x2), _ in train_loader:
            loss = model(x1.cuda(non_blocking=True), x2.cuda(non_blocking=True)).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
