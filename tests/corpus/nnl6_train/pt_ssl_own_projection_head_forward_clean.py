# nnlint-expect: clean
# source: https://github.com/lightly-ai/lightly/pull/1162
# A SimCLR LightningModule's training step runs its backbone and the projection head it
# built itself in __init__; calling the head's forward() directly skips nothing, since no
# hook, weight/spectral norm, pruning or DDP wrapper is ever put on it.
import torch
import torch.nn as nn
import pytorch_lightning as pl
import torchvision


class ProjectionHead(nn.Module):
    def __init__(self, input_dim=2048, hidden_dim=2048, output_dim=128):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.BatchNorm1d(hidden_dim), nn.ReLU(),
                                    nn.Linear(hidden_dim, output_dim))

    def forward(self, x):
        return self.layers(x)


def nt_xent(z0, z1, temperature=0.1):
    z = nn.functional.normalize(torch.cat([z0, z1]), dim=1)
    logits = z @ z.t() / temperature
    logits.fill_diagonal_(float("-inf"))
    n = z0.size(0)
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return nn.functional.cross_entropy(logits, targets)


class SimCLR(pl.LightningModule):
    def __init__(self):
        super().__init__()
        resnet = torchvision.models.resnet50()
        resnet.fc = nn.Identity()
        self.backbone = resnet
        self.projection_head = ProjectionHead()

    def training_step(self, batch, batch_idx):
        (view0, view1), _ = batch
        z0 = self.projection_head.forward(self.backbone(view0))
        z1 = self.projection_head.forward(self.backbone(view1))
        loss = nt_xent(z0, z1)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.06, momentum=0.9)
