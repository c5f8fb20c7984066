from nnlint.analysis.program.syntax import source_code
from nnlint.rules.base import Rule


class UnscaledGradientAccumulation(Rule):
    """
    ## What it does
    Finds gradient accumulation without scaling the loss: a loop calls `backward()` on every
    pass but steps the optimizer (and clears its gradients) only every k-th pass, under
    `if (i + 1) % k == 0:`, and nothing divides the loss by k — not the backward's own
    expression (`(loss / k).backward()`, `scaler.scale(loss / k)`), not a re-binding in the
    loop (`loss = loss / k`, `loss /= k`), and nothing else in the file divides by the same k
    (a helper that returns `loss / self.accumulation_steps`). The loop is followed into the
    helpers of the same file it calls. The finding sits on the `backward()` call.

    ## Why is this bad?
    `backward()` adds into `.grad`, so after k passes the gradient is the *sum* of k batch
    gradients: k times the gradient of the large batch the accumulation stands for. The
    optimizer then steps with an effective learning rate k times the one configured (for
    SGD; gradient clipping and weight decay are thrown off for every optimizer), and a
    learning rate tuned without accumulation diverges or lands elsewhere once
    `accumulation_steps` changes — the seed's "too big learning rate" in disguise.

    ## Example
    ```python
    for i, (x, y) in enumerate(loader):
        loss = criterion(model(x), y)
        loss.backward()
        if (i + 1) % accumulation_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
    ```

    ## Use instead
    ```python
    for i, (x, y) in enumerate(loader):
        loss = criterion(model(x), y) / accumulation_steps
        loss.backward()
        if (i + 1) % accumulation_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
    ```

    ## How dynamic mode confirms it
    Not checked: `check --dynamic` builds and probes models, it does not run training code,
    so this finding gets "not checked" with that reason.

    ## When to ignore it
    When the loss is already reduced with `reduction="sum"` on purpose and the learning rate
    was tuned for the summed gradient, or when the scaling happens in code nnlint cannot see
    (another file). `accelerator.backward(loss)` under `accelerator.accumulate(model)` and a
    DeepSpeed engine's `backward` divide by their own accumulation steps and are not
    reported; neither are Lightning's `accumulate_grad_batches` and the transformers
    `Trainer`, which accumulate without a loop of yours.

    On the precision corpus (the 29 public repositories of docs/precision.md) it reports 1
    finding, labelled a real one (1 of 1: the division is commented out); it is on by default.
    """

    code = "NNL609"
    reads = ("training",)
    name = "unscaled-gradient-accumulation"
    summary = "Gradients are accumulated over k backward passes without dividing the loss by k."
    fix_hint = "Divide the loss by the number of accumulation steps before backward()."
    invalid = (
        """\
import torch
import torch.nn.functional as F

def train_epoch(model, loader, optimizer, accumulation_steps=4):
    model.train()
    optimizer.zero_grad()
    for i, (x, y) in enumerate(loader):
        loss = F.cross_entropy(model(x), y)
        loss.backward()  # <--
        if (i + 1) % accumulation_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
""",
        """\
import torch

scaler = torch.cuda.amp.GradScaler()

def train(model, loader, optimizer, criterion, args):
    for step, batch in enumerate(loader):
        with torch.autocast("cuda"):
            loss = criterion(model(batch["x"]), batch["y"])
        scaler.scale(loss).backward()  # <--
        if step % args.grad_accum == 0:
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
""",
    )
    valid = (
        """\
import torch
import torch.nn.functional as F

def train_epoch(model, loader, optimizer, accumulation_steps=4):
    optimizer.zero_grad()
    for i, (x, y) in enumerate(loader):
        loss = F.cross_entropy(model(x), y)
        loss = loss / accumulation_steps
        loss.backward()
        if (i + 1) % accumulation_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
""",
        """\
import torch
from accelerate import Accelerator

accelerator = Accelerator(gradient_accumulation_steps=8)

def train(model, loader, optimizer):
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    for i, (x, y) in enumerate(loader):
        loss = torch.nn.functional.mse_loss(model(x), y)
        accelerator.backward(loss)
        if (i + 1) % 8 == 0:
            optimizer.step()
            optimizer.zero_grad()
""",
        """\
import torch

class Trainer:
    def __init__(self, model, optimizer, accum_steps):
        self.model, self.optimizer, self.accum_steps = model, optimizer, accum_steps

    def compute_loss(self, x, y):
        loss = torch.nn.functional.cross_entropy(self.model(x), y)
        return loss / self.accum_steps

    def fit(self, loader):
        for i, (x, y) in enumerate(loader):
            loss = self.compute_loss(x, y)
            loss.backward()
            if (i + 1) % self.accum_steps == 0:
                self.optimizer.step()
                self.optimizer.zero_grad()
""",
        """\
import torch

def train(model, loader, optimizer, log_every=100):
    for i, (x, y) in enumerate(loader):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        if i % log_every == 0:
            print(i, loss.item())
""",
    )

    def check(self, facts, report) -> None:
        training = facts.training
        if training is None:
            return
        for found in training.accumulations:
            if found.scaled:
                continue
            every = source_code(found.every)
            related = [(found.step.node, "the optimizer steps only here"), (found.condition, "every k-th pass")]
            if found.backward.via is not None:
                related.append((found.backward.via, "calls the backward pass from the loop"))
            report(
                found.backward.node,
                f"this backward pass adds into `.grad` every iteration but `{found.step.receiver}.step()` runs only "
                f"every `{every}` iterations ({report.where(found.condition)}), and the loss is never divided by "
                f"`{every}`: the optimizer steps with the sum of {every} gradients, a learning rate {every} times "
                f"too large. Divide the loss by `{every}` before backward().",
                related=related,
            )
