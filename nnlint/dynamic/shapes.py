"""In the child process: the shape check (NNL907).

Before any probe, forward runs once per candidate input, on the CPU with a batch of two.
A model too big to build within the memory limit is built again on the meta device, where
it has shapes but no memory and does no arithmetic, and checked there. The CPU comes first
because the meta kernels' first use imports sympy, one to two seconds per process, more
than a batch of two costs most models, and because building a model twice would run its
constructor (downloads, prints) twice. Forward pre-hooks keep the stack of modules entered, so when forward
raises, the innermost running module and the shapes it got are known. A mismatch is
reported only when it can be explained from the layer's own attributes — a Linear whose
`in_features` differs from the last dimension it got, a convolution or norm given another
channel count, a `view(-1, K)` whose K is some Linear's `in_features` but not the number
of features per sample — and never for the first layer with weights that forward enters,
whose input is nnlint's guess (or the user's `--input`, which has its own message).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Optional

import torch
from torch import nn

from nnlint.dynamic.construction import InputPlan, construct, expected_input, plans_for, run_forward
from nnlint.dynamic.construction_sites import construction_line

CHECK_BATCH = 2
_VIEW_ERROR = re.compile(r"shape '\[([-\d, ]*)\]' is invalid for input of size (\d+)")
# Layers whose attributes say what input they take: the ones a mismatch can be explained at.
_SHAPED_LAYERS = (nn.Linear, nn.modules.conv._ConvNd, nn.modules.batchnorm._BatchNorm, nn.LayerNorm,
                  nn.GroupNorm, nn.RNNBase, nn.Embedding, nn.EmbeddingBag, nn.Bilinear)


@dataclass
class Entered:
    name: str
    module: nn.Module
    shapes: list[tuple[int, ...]]


@dataclass
class Failure:
    error: BaseException
    running: list[Entered]
    entered: list[Entered]


@dataclass
class ShapeCheck:
    """The outcome over the candidate inputs: the first plan forward accepted, or the
    explained mismatch of the first plan (a JSON-ready dict), or neither."""

    plan: Optional[InputPlan] = None
    mismatch: Optional[dict[str, Any]] = None
    device: str = "meta"


def _shapes(values: Any) -> list[tuple[int, ...]]:
    return [tuple(value.shape) for value in values if isinstance(value, torch.Tensor)]


def run_tracked(model: nn.Module, inputs: list[torch.Tensor]) -> Optional[Failure]:
    """Run forward without gradients; when it raises, the error with the modules running then."""
    running: list[Entered] = []
    entered: list[Entered] = []
    names = {id(module): name for name, module in model.named_modules()}

    def before(module: nn.Module, args: Any) -> None:
        item = Entered(names.get(id(module), ""), module, _shapes(args))
        running.append(item)
        entered.append(item)

    def after(module: nn.Module, args: Any, output: Any) -> None:
        if running:
            running.pop()

    handles = []
    for module in model.modules():
        handles.append(module.register_forward_pre_hook(before))
        handles.append(module.register_forward_hook(after))
    was_training = model.training
    model.eval()  # a batch of two through BatchNorm in training mode is fine, but eval needs no statistics
    try:
        with torch.no_grad():
            run_forward(model, inputs)
    except Exception as error:  # noqa: BLE001 - whatever forward raises is examined below
        return Failure(error, list(running), entered)
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    return None


def _first_shaped(entered: list[Entered]) -> Optional[nn.Module]:
    return next((item.module for item in entered if isinstance(item.module, _SHAPED_LAYERS)), None)


def _with_batch(shape: tuple[int, ...], batch: int) -> str:
    dims = ["N" if index == 0 and size == batch else str(size) for index, size in enumerate(shape)]
    return "(" + ", ".join(dims) + ")"


def _layer_mismatch(layer: nn.Module, got: tuple[int, ...]) -> Optional[tuple[str, Optional[str]]]:
    """(what disagrees, the attribute value that would fit) for a layer given `got`, or None
    when the layer's attributes agree with the shape (the error is something else)."""
    if isinstance(layer, nn.Linear) and got:
        if got[-1] != layer.in_features:
            return f"{got[-1]} features, not {layer.in_features}", f"in_features={got[-1]}"
        return None
    if isinstance(layer, nn.RNNBase) and got:
        if got[-1] != layer.input_size:
            return f"{got[-1]} features per step, not {layer.input_size}", f"input_size={got[-1]}"
        return None
    if isinstance(layer, nn.LayerNorm):
        size = tuple(layer.normalized_shape)
        if tuple(got[-len(size):]) != size:
            fit = got[-len(size):] if len(got) >= len(size) else got
            return f"last dimensions {tuple(fit)}, not {size}", f"normalized_shape={tuple(fit)}"
        return None
    if isinstance(layer, nn.modules.conv._ConvNd):
        dims = len(layer.kernel_size)
        if len(got) not in (dims + 1, dims + 2):
            return f"a {len(got)}-D input, not a {dims + 2}-D one", None
        channels = got[1] if len(got) == dims + 2 else got[0]
        if channels != layer.in_channels:
            return f"{channels} channels, not {layer.in_channels}", f"in_channels={channels}"
        return None
    if isinstance(layer, (nn.modules.batchnorm._BatchNorm, nn.GroupNorm)):
        expected = layer.num_channels if isinstance(layer, nn.GroupNorm) else layer.num_features
        attribute = "num_channels" if isinstance(layer, nn.GroupNorm) else "num_features"
        if len(got) >= 2 and got[1] != expected:
            return f"{got[1]} channels, not {expected}", f"{attribute}={got[1]}"
        return None
    return None


def _described(name: str, layer: nn.Module) -> str:
    return f"{name} = {repr(layer).splitlines()[0]}"


def _view_mismatch(model: nn.Module, failure: Failure, batch: int) -> Optional[dict[str, Any]]:
    """`x.view(-1, 256)` of a tensor holding 400 features per sample: at the Linear that
    takes 256 (the hand-computed size), when forward has not entered it yet."""
    found = _VIEW_ERROR.search(str(failure.error))
    if not found:
        return None
    requested = [int(part) for part in found.group(1).split(",") if part.strip()]
    total = int(found.group(2))
    if total % batch or len(requested) < 2:
        return None
    per_sample = total // batch
    rest = requested[1:] if requested[0] in (-1, batch) else requested
    if -1 in rest:
        return None
    wanted = math.prod(rest)
    entered = {id(item.module) for item in failure.entered}
    for name, layer in model.named_modules():
        if isinstance(layer, nn.Linear) and layer.in_features == wanted and id(layer) not in entered:
            return {"layer": _described(name, layer), "line": construction_line(layer),
                    "got": f"{per_sample} features per sample", "expected": expected_input(layer),
                    "fitting": f"in_features={per_sample} (and {per_sample} in the view)",
                    "how": f"expects {expected_input(layer)}, but the view/reshape to [{found.group(1)}] before it "
                           f"has {per_sample} features per sample ({total} values for a batch of {batch})",
                    "error": _first_line(failure.error)}
    return None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0]}" if text else type(error).__name__


def explain(model: nn.Module, failure: Failure, batch: int) -> Optional[dict[str, Any]]:
    """The mismatch behind `failure`, if its layer's attributes explain it."""
    first = _first_shaped(failure.entered)
    for item in reversed(failure.running):
        if not isinstance(item.module, _SHAPED_LAYERS) or not item.shapes:
            continue
        if item.module is first:  # the input layer: the input is a guess, not the model's bug
            return None
        found = _layer_mismatch(item.module, item.shapes[0])
        if found is None:
            return None
        what, fitting = found
        return {"layer": _described(item.name, item.module), "line": construction_line(item.module),
                "got": _with_batch(item.shapes[0], batch), "expected": expected_input(item.module),
                "fitting": fitting, "error": _first_line(failure.error),
                "how": f"gets {_with_batch(item.shapes[0], batch)} ({what}), but expects {expected_input(item.module)}"}
    return _view_mismatch(model, failure, batch)


def _inputs_on(plan: InputPlan, device: str) -> list[torch.Tensor]:
    return [tensor.to(device) for tensor in plan.make(batch=CHECK_BATCH)]


# Image sizes tried, before a mismatch is reported, beyond those the input inference tries:
# a model built for 96x96 or 256x256 images is not wrong at 32x32 only.
_MORE_SIDES = (48, 96, 112, 128, 160, 192, 256, 299, 320, 384, 512)


def _other_sizes(plans: list[InputPlan]) -> list[InputPlan]:
    """For an inferred image input (N, C, H, W), the same at other square sizes."""
    first = plans[0] if plans else None
    if first is None or "as configured" in first.description or len(first.shapes) != 1 or len(first.shapes[0]) != 4:
        return []
    tried = {plan.shapes[0][2:] for plan in plans}
    batch, channels = first.shapes[0][:2]
    return [InputPlan([(batch, channels, side, side)], first.dtype, first.high,
                      first.description.replace(str(first.shapes[0]), str((batch, channels, side, side))))
            for side in _MORE_SIDES if (side, side) not in tried]


def check_shapes(model: nn.Module, plans: list[InputPlan], device: str) -> ShapeCheck:
    """Forward on `device` ("meta" or "cpu") for each plan in turn: the first accepted plan,
    else the explained mismatch of the first plan that has one, when no other image size
    fits either."""
    mismatch = None
    for plan in plans:
        failure = run_tracked(model, _inputs_on(plan, device))
        if failure is None:
            return ShapeCheck(plan=plan, device=device)
        if isinstance(failure.error, MemoryError):
            raise failure.error
        if mismatch is None:
            mismatch = explain(model, failure, CHECK_BATCH)
            if mismatch is not None:
                mismatch["input"] = plan.description
    if mismatch is not None:
        for plan in _other_sizes(plans):
            if run_tracked(model, _inputs_on(plan, device)) is None:
                return ShapeCheck(plan=plan, device=device)
        if _other_sizes(plans):
            mismatch["input"] += f"; no square image size from 16 to {_MORE_SIDES[-1]} fits either"
    return ShapeCheck(mismatch=mismatch, device=device)


def check_on_meta(target: Any, args: list[Any], kwargs: dict[str, Any], spec: dict[str, Any]) -> Optional[ShapeCheck]:
    """Build the model on the meta device and check its shapes there (for a model too big
    for the CPU); None when it cannot be built or run there. NeedsArguments propagates: nothing can be built."""
    try:
        with torch.device("meta"):
            model = construct(target, args, kwargs)
    except Exception as error:  # noqa: BLE001 - `.item()` in a constructor, a file it loads, ...
        from nnlint.dynamic.construction import NeedsArguments

        if isinstance(error, NeedsArguments):
            raise
        return None
    if not isinstance(model, nn.Module):
        return None
    try:
        return check_shapes(model, plans_for(model, spec), "meta")
    except Exception:  # noqa: BLE001 - whatever fails on meta is checked again on the CPU
        return None
