# nnlint-expect: NNL101
# source: https://github.com/bifold-pathomics/xMIL/pull/8
# Attention-MIL in Lightning: training_step is right, validation_step turns the bag
# logits into probabilities and then gives them to F.cross_entropy.
import torch
import torch.nn as nn
import torch.nn.functional as F
import lightning.pytorch as pl


class AttentionMIL(pl.LightningModule):
    def __init__(self, in_dim=1024, n_classes=2):
        super().__init__()
        self.attn = nn.Sequential(nn.Linear(in_dim, 128), nn.Tanh(), nn.Linear(128, 1))
        self.head = nn.Linear(in_dim, n_classes)

    def forward(self, bag):
        weights = torch.softmax(self.attn(bag), dim=0)
        return self.head((weights * bag).sum(dim=0, keepdim=True))

    def training_step(self, batch, batch_idx):
        bag, label = batch
        loss = F.cross_entropy(self(bag), label)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        bag, label = batch
        probs = F.softmax(self(bag), dim=-1)
        loss = F.cross_entropy(probs, label)
        self.log("val_loss", loss)
        self.log("val_acc", (probs.argmax(-1) == label).float().mean())

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=2e-4)
