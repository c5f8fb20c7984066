# nnlint-expect: NNL612
# source: https://github.com/allenai/tango/issues/446
# A Lightning training step whose runs (the trained model the step keeps, validated after fit)
# differ until seed_everything is called before fit.
import pytorch_lightning as pl
import torch
from torch import nn


class Regressor(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(8, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.mse_loss(self.net(x), y)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


def run(loader):
    trainer = pl.Trainer(max_epochs=3, logger=False)
    model = Regressor()
    trainer.fit(model, loader)
    return trainer.validate(model, loader)


if __name__ == "__main__":
    data = torch.utils.data.TensorDataset(torch.randn(64, 8), torch.randn(64, 1))
    run(torch.utils.data.DataLoader(data, batch_size=8, shuffle=True))
