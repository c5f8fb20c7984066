# nnlint-expect: clean
# source: https://github.com/huggingface/accelerate/issues/641
# Inside accelerator.accumulate the optimizer's zero_grad and step are skipped on the
# accumulation steps, so calling zero_grad first in each step is the documented pattern.
import torch
from accelerate import Accelerator


class Trainer:
    def __init__(self, model, optimizer, lr_scheduler, accumulation_steps=4, max_grad_norm=1.0):
        self._accelerator = Accelerator(gradient_accumulation_steps=accumulation_steps)
        self.model, self.optimizer, self.lr_scheduler = self._accelerator.prepare(model, optimizer, lr_scheduler)
        self.max_grad_norm = max_grad_norm

    def train_one_epoch(self, dataloader):
        self.model.train()
        for step, batch in enumerate(dataloader):
            with self._accelerator.accumulate(self.model):
                self.optimizer.zero_grad()
                _, loss = self.model(**batch)
                self._accelerator.backward(loss)
                if self._accelerator.sync_gradients:
                    self._accelerator.clip_grad_norm_(self.model.parameters(), self.max_grad_norm)
                self.optimizer.step()
                self.lr_scheduler.step()
