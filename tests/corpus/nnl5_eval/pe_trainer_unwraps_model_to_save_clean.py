# nnlint-expect: clean
# source: https://github.com/huggingface/accelerate/issues/948
# A trainer class saves a checkpoint mid-training by unwrapping the prepared model
# (`self.accelerator.unwrap_model(self.model)`, as the maintainers advise in the thread) inside
# a no-grad helper. `unwrap_model` is accelerate's method that hands the inner module back,
# not a model being run, so there is no evaluation here that lacks eval().
import torch
import torch.nn as nn
from accelerate import Accelerator


class Classifier(nn.Module):
    def __init__(self, d_in: int, n_classes: int):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d_in, 128), nn.ReLU(), nn.Dropout(0.3))
        self.head = nn.Linear(128, n_classes)

    def forward(self, x):
        return self.head(self.body(x))


class Trainer:
    def __init__(self, model: nn.Module, loader, lr: float = 1e-3):
        self.accelerator = Accelerator()
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
        self.model, self.optimizer, self.loader = self.accelerator.prepare(model, optimizer, loader)

    def train_epoch(self):
        self.model.train()
        for x, y in self.loader:
            loss = nn.functional.cross_entropy(self.model(x), y)
            self.optimizer.zero_grad()
            self.accelerator.backward(loss)
            self.optimizer.step()

    @torch.no_grad()
    def save_checkpoint(self, path: str):
        unwrapped = self.accelerator.unwrap_model(self.model)
        self.accelerator.save(unwrapped.state_dict(), path)

    def fit(self, epochs: int, path: str):
        for _ in range(epochs):
            self.train_epoch()
            self.save_checkpoint(path)
