# nnlint-expect: NNL602
# source: https://github.com/tenstorrent/tt-blacksmith/pull/711
# A small Trainer class for LoRA fine-tuning: the step method runs backward and the
# optimizer step but never clears the gradients, so every step adds to the last.
import torch
from torch.utils.data import DataLoader


class LoraTrainer:
    def __init__(self, model, dataset, lr=2e-4, batch_size=8, epochs=3):
        self.model = model
        self.loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)
        trainable = [p for p in model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(trainable, lr=lr)
        self.epochs = epochs

    def training_step(self, batch):
        out = self.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                         labels=batch["labels"])
        out.loss.backward()
        self.optimizer.step()
        return out.loss.detach()

    def fit(self):
        self.model.train()
        for epoch in range(self.epochs):
            for step, batch in enumerate(self.loader):
                loss = self.training_step(batch)
                if step % 50 == 0:
                    print(epoch, step, loss.item())
