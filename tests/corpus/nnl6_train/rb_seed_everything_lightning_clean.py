# nnlint-expect: clean
# source: https://github.com/Lightning-AI/pytorch-lightning/issues/2355
# Seeded at the top with Lightning's seed_everything before the Trainer runs.
import pytorch_lightning
import torch
import torch.nn as nn
from pytorch_lightning import LightningModule, Trainer

pytorch_lightning.seed_everything(2)


class SequentialMnist(LightningModule):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(input_size=4, hidden_size=100, batch_first=True)
        self.out = nn.Linear(100, 10)

    def training_step(self, batch, batch_idx):
        x, y = batch
        h, _ = self.rnn(x.view(x.size(0), -1, 4))
        return nn.functional.cross_entropy(self.out(h[:, -1]), y)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


trainer = Trainer(max_epochs=30)
trainer.fit(SequentialMnist())
