# nnlint-expect: clean
# source: https://github.com/Lightning-AI/pytorch-lightning/pull/7096
# The fixed transfer-learning example: forward returns the logits, the loss attribute is
# F.binary_cross_entropy_with_logits called through the helper, and the sigmoid is taken
# only for the accuracy metric.
import torch
import torch.nn as nn
import torch.nn.functional as F
import pytorch_lightning as pl
from torchvision import models


class TransferLearningModel(pl.LightningModule):
    def __init__(self, lr=1e-3):
        super().__init__()
        self.lr = lr
        backbone = models.resnet50(weights="IMAGENET1K_V1")
        self.feature_extractor = nn.Sequential(*list(backbone.children())[:-1])
        self.fc = nn.Sequential(nn.Linear(2048, 256), nn.ReLU(), nn.Linear(256, 32), nn.ReLU(), nn.Linear(32, 1))
        self.loss_func = F.binary_cross_entropy_with_logits

    def forward(self, x):
        x = self.feature_extractor(x).squeeze(-1).squeeze(-1)
        return self.fc(x)

    def loss(self, logits, labels):
        return self.loss_func(input=logits, target=labels)

    def training_step(self, batch, batch_idx):
        x, y = batch
        y_logits = self(x)
        y_true = y.view((-1, 1)).type_as(x)
        accuracy = ((torch.sigmoid(y_logits) > 0.5) == y_true.bool()).float().mean()
        self.log("train_acc", accuracy)
        return self.loss(y_logits, y_true)

    def configure_optimizers(self):
        return torch.optim.Adam(self.fc.parameters(), lr=self.lr)
