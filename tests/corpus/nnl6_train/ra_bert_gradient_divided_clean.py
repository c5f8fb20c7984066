# nnlint-expect: clean
# source: https://github.com/NVIDIA/DeepLearningExamples/issues/1112
# The maintainer's answer: instead of dividing the loss by gradient_accumulation_steps, the
# summed gradients are divided by it before the optimizer steps — the same in theory.
import torch


def take_optimizer_step(model, optimizer, grad_scaler, args):
    for param in model.parameters():
        if param.grad is not None:
            param.grad.div_(args.gradient_accumulation_steps)
    grad_scaler.step(optimizer)
    grad_scaler.update()
    optimizer.zero_grad(set_to_none=True)


def train(model, optimizer, grad_scaler, loader, criterion, args):
    for step, batch in enumerate(loader):
        with torch.autocast("cuda"):
            loss = criterion(model(batch["input_ids"]), batch["labels"])
        grad_scaler.scale(loss).backward()
        if (step + 1) % args.gradient_accumulation_steps == 0:
            take_optimizer_step(model, optimizer, grad_scaler, args)
