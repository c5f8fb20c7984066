# nnlint-expect: clean
# source: https://github.com/huggingface/transformers/pull/34191
# With accelerate, accelerator.backward() divides the loss by the accumulation steps the
# Accelerator was configured with; the loop steps every `gradient_accumulation_steps`.
import torch
from accelerate import Accelerator


def train(model, loader, optimizer, lr_scheduler, gradient_accumulation_steps):
    accelerator = Accelerator(gradient_accumulation_steps=gradient_accumulation_steps)
    model, optimizer, loader, lr_scheduler = accelerator.prepare(model, optimizer, loader, lr_scheduler)
    model.train()
    for step, batch in enumerate(loader):
        outputs = model(**batch)
        accelerator.backward(outputs.loss)
        if (step + 1) % gradient_accumulation_steps == 0:
            optimizer.step()
            lr_scheduler.step()
            optimizer.zero_grad()
