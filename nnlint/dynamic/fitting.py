"""In the child process: the seed's two experiments on synthetic data.

One item per class: a dataset of one random sample per class, trained jointly for a bounded
number of steps; a healthy model memorises it, and the classes it cannot learn are reported.
(Training a separate copy on a single sample would say nothing: the output bias alone fits
one sample.) Learning curve: the same on 1, 2, 4, ... samples with random labels.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Any, Optional

import torch
from torch import nn

from nnlint.dynamic.construction import InputPlan
from nnlint.dynamic.passes import Observed
from nnlint.dynamic.probes import main_output

MAX_CLASSES = 10
MAX_INFERRED_CLASSES = 1000
DEFAULT_STEPS = 100
DEFAULT_LR = 1e-3


# Layers that keep their input's shape and meaning: class scores through them are still
# class scores (a classifier ending in a ReLU, a Dropout, a Sigmoid for multi-label).
_ELEMENTWISE = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU, nn.Mish,
                nn.Sigmoid, nn.Tanh, nn.Hardtanh, nn.Hardsigmoid, nn.Hardswish, nn.Softplus, nn.Softmax,
                nn.LogSoftmax, nn.Identity, nn.modules.dropout._DropoutNd)


def classes_of(observed: Observed, declared: Optional[int]) -> Optional[int]:
    """The number of classes: as declared, else the output width of a classifier — an output
    made by a Linear layer (also through activations or dropout after it, as modules or as
    functions in forward), or rows of (log-)probabilities. Flattened features are not scores.
    Read from the shared evaluation-mode pass (passes.py)."""
    if declared:
        return declared
    model = observed.model
    producers, linear_shapes = observed.producers, observed.linear_shapes
    found = main_output(observed.output)
    if found is None:
        return None
    tensor = found[1]
    producer, source = producers.get(id(tensor), (None, None))
    seen: set[Optional[int]] = set()
    # An in-place activation's output is its input: `seen` ends the walk there.
    while isinstance(producer, _ELEMENTWISE) and source in producers and source not in seen:
        seen.add(source)
        producer, source = producers[source]
    # `return F.relu(self.fc(x))`: made by forward's own code, of the last Linear's shape.
    by_forward = (producer is None or producer is model) and bool(linear_shapes) and linear_shapes[-1] == tuple(tensor.shape)
    rows = tensor.detach().float()
    probabilities = bool(torch.isfinite(rows).all()) and rows.dim() == 2 and (
        torch.allclose(rows.sum(dim=1), torch.ones(rows.shape[0]), atol=1e-3)
        or torch.allclose(rows.exp().sum(dim=1), torch.ones(rows.shape[0]), atol=1e-3))
    if not isinstance(producer, (nn.Linear, nn.Bilinear)) and not by_forward and not probabilities:
        return None
    # A feature extractor's output (thousands of columns) is not a score per class.
    if tensor.dim() == 2 and 1 < tensor.shape[1] <= MAX_INFERRED_CLASSES:
        return int(tensor.shape[1])
    return None


class _Adam:
    """Adam (Kingma & Ba) in a few lines: torch.optim imports torch._dynamo on first use,
    which costs several seconds per child process, more than the training itself."""

    def __init__(self, parameters: list[torch.Tensor], lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        self.parameters, self.lr, self.betas, self.eps = parameters, lr, betas, eps
        self.moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in parameters]
        self.steps = 0

    def zero_grad(self) -> None:
        for parameter in self.parameters:
            parameter.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.steps += 1
        beta1, beta2 = self.betas
        correction1, correction2 = 1 - beta1 ** self.steps, 1 - beta2 ** self.steps
        for parameter, (mean, square) in zip(self.parameters, self.moments):
            if parameter.grad is None:
                continue
            mean.mul_(beta1).add_(parameter.grad, alpha=1 - beta1)
            square.mul_(beta2).addcmul_(parameter.grad, parameter.grad, value=1 - beta2)
            denominator = (square / correction2).sqrt_().add_(self.eps)
            parameter.addcdiv_(mean, denominator, value=-self.lr / correction1)


@dataclass
class TrainingResult:
    first_loss: Optional[float]
    final_loss: float
    predictions: torch.Tensor
    steps: int = 0
    out_of_time: bool = False
    losses: tuple[float, ...] = ()  # one per step, for the report folder's picture

    def stalled(self) -> bool:
        """The loss did not even halve: the model is not learning, not merely slow."""
        if self.first_loss is None or self.final_loss != self.final_loss:
            return True
        return self.final_loss > 0.5 * self.first_loss


def _train(model: nn.Module, inputs: list[torch.Tensor], targets: torch.Tensor, steps: int, lr: float,
           seconds: float = float("inf")) -> TrainingResult:
    """Train on (inputs, targets) for `steps` or `seconds`, whichever ends first; the losses
    and the predictions afterwards."""
    optimizer = _Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    loss_value = float("nan")
    first_loss: Optional[float] = None
    deadline = time.monotonic() + seconds
    done, out_of_time = 0, False
    losses: list[float] = []
    noisy = any(isinstance(module, nn.modules.dropout._DropoutNd) for module in model.modules())
    model.train()
    for _ in range(steps):
        if time.monotonic() > deadline:
            out_of_time = True
            break
        done += 1
        optimizer.zero_grad()
        found = main_output(model(*inputs))
        if found is None:
            break
        loss = nn.functional.cross_entropy(found[1].float(), targets)
        loss_value = loss.item()
        losses.append(loss_value)
        first_loss = loss_value if first_loss is None else first_loss
        # Every sample already right in this pass (no dropout: the pass judges as the final
        # one would): nothing more to learn, and on a big model each step costs seconds.
        if not noisy and bool((found[1].detach().argmax(dim=1) == targets).all()):
            return TrainingResult(first_loss, loss_value, found[1].detach().argmax(dim=1), done, False, tuple(losses))
        if not loss.requires_grad or loss_value != loss_value or abs(loss_value) == float("inf"):
            break
        loss.backward()
        optimizer.step()
        if loss_value < 0.01:
            break
    # Judge in the mode it was trained in, without dropout's noise: after a hundred steps
    # BatchNorm's running statistics still lag far behind the batch statistics it trained on.
    for module in model.modules():
        if isinstance(module, nn.modules.dropout._DropoutNd):
            module.eval()
    with torch.no_grad():
        found = main_output(model(*inputs))
    predictions = found[1].argmax(dim=1) if found is not None else torch.full_like(targets, -1)
    return TrainingResult(first_loss, loss_value, predictions, done, out_of_time, tuple(losses))


def _samples(plan: InputPlan, count: int, seed: int) -> list[torch.Tensor]:
    return plan.make(batch=count, generator=torch.Generator().manual_seed(seed))


def fit_one_per_class(model: nn.Module, plan: InputPlan, classes: int, steps: int, lr: float,
                      seconds: float = float("inf")) -> dict[str, Any]:
    """Train a copy on one sample per class; which classes' samples it still gets wrong."""
    count = min(classes, MAX_CLASSES)
    fresh = copy.deepcopy(model)
    torch.manual_seed(4)
    targets = torch.arange(count)
    result = _train(fresh, _samples(plan, count, seed=5), targets, steps, lr, seconds)
    if result.out_of_time and result.steps < steps:
        unlearned_now = int((result.predictions != targets).sum())
        if unlearned_now:
            return {"checked": False, "reason": f"training stopped after {result.steps} of {steps} steps (time budget "
                                                f"{seconds:.0f} s); {unlearned_now} samples not yet learned"}
    unlearned = [int(c) for c in targets[result.predictions != targets]]
    loss = result.final_loss
    return {"checked": True, "classes": count, "of_classes": classes, "steps": steps, "lr": lr,
            "first_loss": result.first_loss, "final_loss": loss if loss == loss else None,
            "unlearned": unlearned, "stalled": result.stalled(),
            "predicted": [int(p) for p in result.predictions],
            "losses": [float(f"{value:.4g}") if value == value and abs(value) != float("inf") else None
                       for value in result.losses]}


def learning_curve(model: nn.Module, plan: InputPlan, classes: int, steps: int, lr: float, largest: int = 64
                   ) -> list[dict[str, Any]]:
    """Final training error on 1, 2, 4, ... `largest` samples with random labels."""
    points = []
    size = 1
    while size <= largest:
        fresh = copy.deepcopy(model)
        generator = torch.Generator().manual_seed(size)
        targets = torch.randint(0, classes, (size,), generator=generator)
        torch.manual_seed(6)
        try:
            result = _train(fresh, _samples(plan, size, seed=100 + size), targets, steps, lr)
            loss, predictions = result.final_loss, result.predictions
        except (RuntimeError, ValueError) as error:  # e.g. BatchNorm refuses a batch of one
            points.append({"samples": size, "error": None, "reason": str(error).splitlines()[0]})
        else:
            points.append({"samples": size, "error": float((predictions != targets).float().mean()),
                           "loss": loss if loss == loss else None})
        size *= 2
    return points
