"""In the child process: the forward and backward passes the probes share.

Each probe used to run its own forward pass over the same varied batch; on a ResNet-18 at
224×224 that was most of the time. Now one forward in evaluation mode, with every probe's
hooks at once, serves the output range, the first non-finite module, dead ReLUs, constant
predictions, which layers forward uses, which of the user's functions ran and the class
count; one forward and backward in training mode serves the symmetry of gradients, the
gradient flow and NaN gradients. Each runs the first time a probe asks for it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Optional

import torch
from torch import nn

from nnlint.dynamic.construction import InputPlan, output_tensors, unregistered_modules

_RELUS = (nn.ReLU, nn.ReLU6)


@dataclass
class Observed:
    """What the evaluation-mode forward over the varied batch showed."""

    output: Any
    model: Any = None
    # id(tensor) -> (tensor, "name (Type)"): the module that produced each tensor; the
    # tensors are kept alive with their names, as a freed tensor's id can be reused.
    produced_by: dict[int, tuple[torch.Tensor, str]] = field(default_factory=dict)
    # id(output) -> (module, id of its first input): follows an output back through activations.
    producers: dict[int, tuple[nn.Module, Optional[int]]] = field(default_factory=dict)
    linear_shapes: list[tuple[int, ...]] = field(default_factory=list)
    first_non_finite: Optional[str] = None
    dead_fractions: dict[str, float] = field(default_factory=dict)
    called: set[int] = field(default_factory=set)
    ran: list[int] = field(default_factory=list)
    error: Optional[BaseException] = None


@dataclass
class Trained:
    """Gradients after one training-mode forward and backward over the varied batch."""

    grads: dict[str, Optional[torch.Tensor]]
    differentiable: bool


def training_loss(output: Any) -> Optional[torch.Tensor]:
    """A loss to backpropagate once: cross-entropy against class 0 for class scores, else a mean square."""
    tensors = output_tensors(output)
    if not tensors:
        return None
    tensor = tensors[0][1]
    if tensor.dim() == 2 and tensor.shape[1] > 1:
        targets = torch.arange(tensor.shape[0]) % tensor.shape[1]
        return nn.functional.cross_entropy(tensor.float(), targets)
    return tensor.float().pow(2).mean()


def non_finite_in(output: Any) -> bool:
    tensors = [output] if isinstance(output, torch.Tensor) else [t for _, t in output_tensors(output)]
    return any(t.is_floating_point() and not bool(torch.isfinite(t).all()) for t in tensors)


class SharedPasses:
    """The passes of one model on one varied batch, each run once on demand."""

    def __init__(self, model: nn.Module, inputs: list[torch.Tensor], path: str) -> None:
        self.model, self.inputs, self.path = model, inputs, path
        self._observed: Optional[Observed] = None
        self._trained: Optional[Trained] = None

    def observed(self) -> Observed:
        if self._observed is None:
            self._observed = self._observe()
        if self._observed.error is not None:
            raise self._observed.error
        return self._observed

    def trained(self) -> Trained:
        if self._trained is None:
            self._trained = self._train_once()
        return self._trained

    def _observe(self) -> Observed:
        model = self.model
        seen = Observed(output=None, model=model)
        kept: list[torch.Tensor] = []
        names = {id(module): name or type(model).__name__ for name, module in model.named_modules()}

        def record(module: nn.Module, inputs: Any, output: Any) -> None:
            seen.called.add(id(module))
            name = names.get(id(module), "")
            if isinstance(output, torch.Tensor):
                seen.produced_by.setdefault(id(output), (output, f"{name} ({type(module).__name__})"))
                first = inputs[0] if inputs and isinstance(inputs[0], torch.Tensor) else None
                seen.producers.setdefault(id(output), (module, id(first) if first is not None else None))
                kept.append(output)
                if isinstance(module, (nn.Linear, nn.Bilinear)):
                    seen.linear_shapes.append(tuple(output.shape))
                if isinstance(module, _RELUS) and output.dim() >= 2 and output.shape[0] >= 2:
                    # A unit is a feature (Linear) or a channel (Conv): dead when zero for every sample.
                    active = (output.detach() > 0).transpose(0, 1).reshape(output.shape[1], -1).any(dim=1)
                    seen.dead_fractions[name] = float(1 - active.float().mean())
            if seen.first_non_finite is None and name and non_finite_in(output):
                seen.first_non_finite = f"{name} ({type(module).__name__})"

        hooked = list(model.modules())
        hooked += [sub for _, modules in unregistered_modules(model) for module in modules for sub in module.modules()]
        handles = [module.register_forward_hook(record) for module in hooked]
        ran: set[int] = set()

        def profile(frame: Any, event: str, arg: Any) -> None:
            if event == "call" and frame.f_code.co_filename == self.path:
                ran.add(frame.f_code.co_firstlineno)

        model.eval()
        sys.setprofile(profile)
        try:
            with torch.no_grad():
                seen.output = model(*self.inputs)
        except Exception as error:  # noqa: BLE001 - each probe reports it as its own error
            seen.error = error
        finally:
            sys.setprofile(None)
            for handle in handles:
                handle.remove()
        seen.ran = sorted(ran)
        return seen

    def _train_once(self) -> Trained:
        model = self.model
        model.train()
        model.zero_grad(set_to_none=True)
        loss = training_loss(model(*self.inputs))
        differentiable = loss is not None and loss.requires_grad
        if differentiable:
            loss.backward()
        grads = {name: (p.grad.detach() if p.grad is not None else None) for name, p in model.named_parameters()}
        model.zero_grad(set_to_none=True)
        return Trained(grads, differentiable)
