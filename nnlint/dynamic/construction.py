"""In the child process: build a model and find an input its forward accepts.

Constructor arguments and input shapes come from the user's spec when there is one;
otherwise a class must be constructible without arguments, and the input is inferred from
the first layer with weights (its in_features / in_channels / num_embeddings), trying a few
spatial sizes for convolutions. Every guess is described, so the report can say it.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, Optional

import torch
from torch import nn

BATCH = 8
_SPATIAL_SIZES = (32, 28, 64, 224, 16)
_SEQUENCE_LENGTH = 16
_DTYPES = {"float32": torch.float32, "float64": torch.float64, "float16": torch.float16,
           "bfloat16": torch.bfloat16, "int64": torch.int64, "int32": torch.int32, "bool": torch.bool}


class NeedsArguments(Exception):
    """The constructor has required parameters nobody gave; `names` lists them."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(", ".join(names))
        self.names = names


class NoInput(Exception):
    """No input shape could be found that the model's forward accepts."""


_SHAPE_ERRORS = (RuntimeError, ValueError, TypeError, IndexError, AssertionError)


def required_parameters(target: Callable[..., Any]) -> list[str]:
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return []
    return [name for name, parameter in signature.parameters.items()
            if parameter.default is inspect.Parameter.empty
            and parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)]


def construct(target: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> Any:
    """`target(*args, **kwargs)`; NeedsArguments when no arguments were given but some are required."""
    if not args and not kwargs:
        missing = required_parameters(target)
        if missing:
            raise NeedsArguments(missing)
    return target(*args, **kwargs)


@dataclass
class InputPlan:
    """The tensors fed to forward: one (shape, dtype, high) per argument; `high` bounds integer inputs."""

    shapes: list[tuple[int, ...]]
    dtype: torch.dtype
    high: Optional[int]
    description: str

    def make(self, batch: Optional[int] = None, kind: str = "normal", generator: Optional[torch.Generator] = None
             ) -> list[torch.Tensor]:
        tensors = []
        for shape in self.shapes:
            shape = (batch, *shape[1:]) if batch is not None else shape
            if self.high is not None or not self.dtype.is_floating_point:
                high = self.high or 2
                tensors.append(torch.randint(0, high, shape, generator=generator, dtype=self.dtype))
            elif kind == "zeros":
                tensors.append(torch.zeros(shape, dtype=self.dtype))
            elif kind == "large":
                tensors.append(torch.full(shape, 1e4, dtype=self.dtype) * torch.sign(torch.randn(shape, generator=generator)))
            elif kind == "constant":
                tensors.append(torch.ones(shape, dtype=self.dtype))
            else:
                tensors.append(torch.randn(shape, generator=generator, dtype=self.dtype))
        return tensors


_INPUT_LAYERS = (nn.Linear, nn.Bilinear, nn.Embedding, nn.EmbeddingBag, nn.RNNBase, nn.Conv1d, nn.Conv2d,
                 nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)


def unregistered_modules(model: nn.Module) -> list[tuple[str, list[nn.Module]]]:
    """Modules kept in plain lists, tuples or dicts of the model's modules (not registered)."""
    registered = {id(module) for module in model.modules()}
    found = []
    for owner_name, owner in model.named_modules():
        for attribute, value in vars(owner).items():
            if attribute.startswith("_"):
                continue
            items = list(value.values()) if isinstance(value, dict) else list(value) if isinstance(value, (list, tuple)) else []
            modules = [item for item in items if isinstance(item, nn.Module) and id(item) not in registered]
            if modules:
                found.append((f"{owner_name}.{attribute}" if owner_name else attribute, modules))
    return found


def first_weight_layer(model: nn.Module) -> Optional[tuple[str, nn.Module]]:
    for name, module in model.named_modules():
        if isinstance(module, _INPUT_LAYERS):
            return name or type(model).__name__, module
    # Layers in a plain list (NNL302) are still what forward applies first.
    for attribute, modules in unregistered_modules(model):
        for index, module in enumerate(modules):
            for name, sub in module.named_modules():
                if isinstance(sub, _INPUT_LAYERS):
                    return f"{attribute}[{index}]{'.' + name if name else ''}", sub
    return None


def _candidate_plans(model: nn.Module) -> list[InputPlan]:
    found = first_weight_layer(model)
    if found is None:
        return []
    name, layer = found
    what = f"the first layer with weights, {name} = {type(layer).__name__}"
    if isinstance(layer, (nn.Embedding, nn.EmbeddingBag)):
        return [InputPlan([(BATCH, _SEQUENCE_LENGTH)], torch.int64, layer.num_embeddings,
                          f"integer token ids < {layer.num_embeddings}, shape ({BATCH}, {_SEQUENCE_LENGTH}), from {what}")]
    if isinstance(layer, nn.RNNBase):
        shape = (BATCH, _SEQUENCE_LENGTH, layer.input_size) if layer.batch_first else (_SEQUENCE_LENGTH, BATCH, layer.input_size)
        return [InputPlan([shape], torch.float32, None, f"shape {shape} from {what}")]
    if isinstance(layer, (nn.Linear, nn.Bilinear)):
        width = layer.in1_features if isinstance(layer, nn.Bilinear) else layer.in_features
        plans = [InputPlan([(BATCH, width)], torch.float32, None, f"shape ({BATCH}, {width}) from {what}")]
        # A model may flatten an image before its first Linear (x.view(-1, 784)).
        for side in (28, 32):
            if width == side * side:
                plans.append(InputPlan([(BATCH, 1, side, side)], torch.float32, None,
                                       f"shape ({BATCH}, 1, {side}, {side}) from {what}"))
        return plans
    channels = layer.in_channels
    dims = {nn.Conv1d: 1, nn.ConvTranspose1d: 1, nn.Conv3d: 3, nn.ConvTranspose3d: 3}.get(type(layer), 2)
    if dims == 1:
        sizes = [(n,) for n in (_SEQUENCE_LENGTH * 4, 128, 1000)]
    elif dims == 3:
        sizes = [(n, n, n) for n in (16, 32)]
    else:
        sizes = [(n, n) for n in _SPATIAL_SIZES]
    return [InputPlan([(BATCH, channels, *size)], torch.float32, None,
                      f"shape {(BATCH, channels, *size)} from {what}") for size in sizes]


def plan_from_spec(shapes: list[list[int]], dtype: Optional[str], model: nn.Module) -> InputPlan:
    torch_dtype = _DTYPES[dtype] if dtype else torch.float32
    high = None
    if not torch_dtype.is_floating_point:
        found = first_weight_layer(model)
        if found is not None and isinstance(found[1], (nn.Embedding, nn.EmbeddingBag)):
            high = found[1].num_embeddings
    shapes_text = ", ".join(str(tuple(shape)) for shape in shapes)
    return InputPlan([tuple(shape) for shape in shapes], torch_dtype, high, f"shape {shapes_text} {dtype or 'float32'} as configured")


def run_forward(model: nn.Module, inputs: list[torch.Tensor]) -> Any:
    return model(*inputs)


def _is_out_of_memory(error: BaseException) -> bool:
    return "can't allocate memory" in str(error) or "DefaultCPUAllocator" in str(error)


def expected_input(layer: nn.Module) -> Optional[str]:
    """What `layer` takes, in the terms of an input shape (N: the batch), where its
    attributes say it."""
    if isinstance(layer, nn.Linear):
        return f"(N, {layer.in_features})"
    if isinstance(layer, nn.Bilinear):
        return f"(N, {layer.in1_features}) and (N, {layer.in2_features})"
    if isinstance(layer, (nn.Embedding, nn.EmbeddingBag)):
        return f"integer token ids below {layer.num_embeddings} (--dtype int64), e.g. (N, {_SEQUENCE_LENGTH})"
    if isinstance(layer, nn.RNNBase):
        return (f"(N, L, {layer.input_size})" if layer.batch_first else f"(L, N, {layer.input_size})") + \
            " (L: the sequence length)"
    spatial = {1: "L", 2: "H, W", 3: "D, H, W"}
    for kinds, dims in (((nn.Conv1d, nn.ConvTranspose1d), 1), ((nn.Conv2d, nn.ConvTranspose2d), 2),
                        ((nn.Conv3d, nn.ConvTranspose3d), 3)):
        if isinstance(layer, kinds):
            return f"(N, {layer.in_channels}, {spatial[dims]}) ({layer.in_channels} input channels)"
    for kinds, dims in ((nn.BatchNorm1d, 1), (nn.BatchNorm2d, 2), (nn.BatchNorm3d, 3)):
        if isinstance(layer, kinds):
            return f"(N, {layer.num_features}, {spatial[dims]})" + (f" or (N, {layer.num_features})" if dims == 1 else "")
    if isinstance(layer, nn.LayerNorm):
        return f"(..., {', '.join(map(str, layer.normalized_shape))})"
    if isinstance(layer, nn.GroupNorm):
        return f"(N, {layer.num_channels}, ...)"
    return None


def _failing_layer(model: nn.Module, inputs: list[torch.Tensor]) -> Optional[tuple[BaseException, str, nn.Module]]:
    """Run forward; when it raises, the error and the innermost module that was running."""
    running: list[tuple[str, nn.Module]] = []

    def finished(module: nn.Module, args: Any, output: Any) -> None:
        # Returns None: a forward hook's return value would replace the module's output.
        if running:
            running.pop()

    handles = []
    for name, module in model.named_modules():
        handles.append(module.register_forward_pre_hook(
            lambda module, args, name=name: running.append((name, module)) and None))
        handles.append(module.register_forward_hook(finished))
    try:
        with torch.no_grad():
            run_forward(model, inputs)
    except _SHAPE_ERRORS as error:
        if _is_out_of_memory(error):
            raise
        name, module = running[-1] if running else ("", model)
        return error, name, module
    finally:
        for handle in handles:
            handle.remove()
    return None


def _rejected_input(model: nn.Module, plan: InputPlan, error: BaseException, name: str, layer: nn.Module) -> NoInput:
    """The message for an input the user gave that forward rejects: where, what that layer
    takes, and what leaving the input out would give."""
    given = plan.description.replace(" as configured", "")
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if layer is model:
        where = f"{type(model).__name__}.forward itself"
    else:
        where = f"{name} = {repr(layer).splitlines()[0]}"
        expected = expected_input(layer)
        if expected:
            where += f", which expects {expected}"
    try:
        inferred, _ = _inferred_input(model)
        instead = f"one is inferred, {inferred.description}, which forward accepts"
    except NoInput:
        instead = "nnlint tries to infer one (no inferred shape works for this model either)"
    return NoInput(f"the input given, {given}, fails in {where}: {type(error).__name__}: {first}; leave out "
                   f"--input (and `input` in [tool.nnlint.dynamic.models]) and {instead}")


def plans_for(model: nn.Module, spec: dict[str, Any]) -> list[InputPlan]:
    """The inputs to try, in order: the configured one, else those inferred from the first layer."""
    if spec.get("inputs"):
        return [plan_from_spec(spec["inputs"], spec.get("dtype"), model)]
    return inferred_plans(model)


def find_input(model: nn.Module, spec_shapes: list[list[int]], dtype: Optional[str],
               accepted: Optional[InputPlan] = None) -> tuple[InputPlan, Any]:
    """An input plan whose forward succeeds, with that forward's output; `accepted`, a plan
    the shape check already ran, is tried first."""
    if accepted is not None:
        try:
            with torch.no_grad():
                return accepted, run_forward(model, accepted.make(batch=2))
        except _SHAPE_ERRORS as error:
            if _is_out_of_memory(error):
                raise
    if spec_shapes:
        plan = plan_from_spec(spec_shapes, dtype, model)
        inputs = plan.make()
        try:
            with torch.no_grad():
                return plan, run_forward(model, inputs)
        except _SHAPE_ERRORS as error:
            if _is_out_of_memory(error):
                raise
            failed = _failing_layer(model, inputs)
            raise _rejected_input(model, plan, *(failed or (error, "", model))) from None
    return _inferred_input(model)


def inferred_plans(model: nn.Module) -> list[InputPlan]:
    plans = _candidate_plans(model)
    # forward(x, mask): every required argument gets a tensor of the inferred shape.
    arguments = len(required_parameters(model.forward))
    if arguments > 1:
        plans = [InputPlan(plan.shapes * arguments, plan.dtype, plan.high,
                           f"{plan.description}, for each of forward's {arguments} arguments") for plan in plans]
    return plans


def _inferred_input(model: nn.Module) -> tuple[InputPlan, Any]:
    plans = inferred_plans(model)
    if not plans:
        raise NoInput("no Linear/Conv/Embedding/RNN layer to infer the input from; give `input` in "
                      "[tool.nnlint.dynamic.models] or --input")
    errors = []
    for plan in plans:
        try:
            with torch.no_grad():
                return plan, run_forward(model, plan.make())
        except _SHAPE_ERRORS as error:
            if _is_out_of_memory(error):
                raise
            errors.append(f"{tuple(plan.shapes[0])}: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
    raise NoInput("forward rejected every inferred input (" + "; ".join(errors[:3]) + "); give `input` in "
                  "[tool.nnlint.dynamic.models] or --input")


def output_tensors(output: Any) -> list[tuple[str, torch.Tensor]]:
    """The floating-point tensors of a forward's output, labelled (`output`, `output[1]`, `output['logits']`)."""
    if isinstance(output, torch.Tensor):
        return [("output", output)] if output.is_floating_point() else []
    found: list[tuple[str, torch.Tensor]] = []
    if isinstance(output, (tuple, list)):
        items = [(f"output[{index}]", item) for index, item in enumerate(output)]
    elif isinstance(output, dict):
        items = [(f"output[{key!r}]", item) for key, item in output.items()]
    elif hasattr(output, "logits") and isinstance(getattr(output, "logits"), torch.Tensor):
        items = [("output.logits", output.logits)]
    else:
        items = []
    for label, item in items:
        if isinstance(item, torch.Tensor) and item.is_floating_point():
            found.append((label, item))
    return found
