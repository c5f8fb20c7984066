"""In the child process: the probes that look at one built model (no training).

Each probe returns a JSON-ready dict of what it observed; deciding what that means for a
static finding is the parent's job (confirmation.py).
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Any, Iterator, Optional

import torch
from torch import nn

from nnlint.dynamic.construction import InputPlan, output_tensors, unregistered_modules

VARIED_BATCH = 64
# Input elements per varied batch: 64 samples of 3x32x32. Larger inputs get fewer samples
# (at least 8), or a 224x224 model would spend minutes on statistics.
_ELEMENT_BUDGET = 64 * 3 * 32 * 32
_MIN_BATCH = 8
_WEIGHT_LAYERS = (nn.Linear, nn.Bilinear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d,
                  nn.ConvTranspose2d, nn.ConvTranspose3d, nn.Embedding, nn.RNNBase)
_RELUS = (nn.ReLU, nn.ReLU6)


@contextmanager
def forward_hooks(model: nn.Module, hook: Any, only: Optional[tuple[type, ...]] = None) -> Iterator[None]:
    handles = [module.register_forward_hook(_named(hook, name or type(model).__name__))
               for name, module in model.named_modules() if only is None or isinstance(module, only)]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def _named(hook: Any, name: str) -> Any:
    return lambda module, inputs, output: hook(name, module, output)


def varied_count(plan: InputPlan) -> int:
    """How many samples a varied batch has for this input size."""
    per_sample = max(1, sum(math.prod(shape[1:]) for shape in plan.shapes))
    return max(_MIN_BATCH, min(VARIED_BATCH, _ELEMENT_BUDGET // per_sample))


def varied_batch(plan: InputPlan, seed: int = 1) -> list[torch.Tensor]:
    """A batch of different inputs, at several scales, so no probe sees only one kind of sample."""
    generator = torch.Generator().manual_seed(seed)
    count = varied_count(plan)
    tensors = plan.make(count, generator=generator)
    if plan.dtype.is_floating_point and plan.high is None:
        scales = torch.logspace(-1, 1, count, dtype=plan.dtype)
        tensors = [t * scales.view(-1, *([1] * (t.dim() - 1))) for t in tensors]
    return tensors


def main_output(output: Any) -> Optional[tuple[str, torch.Tensor]]:
    tensors = output_tensors(output)
    return tensors[0] if tensors else None


def training_loss(output: Any) -> Optional[torch.Tensor]:
    """A loss to backpropagate once: cross-entropy against class 0 for class scores, else a mean square."""
    found = main_output(output)
    if found is None:
        return None
    tensor = found[1]
    if tensor.dim() == 2 and tensor.shape[1] > 1:
        targets = torch.arange(tensor.shape[0]) % tensor.shape[1]
        return nn.functional.cross_entropy(tensor.float(), targets)
    return tensor.float().pow(2).mean()


def _describe_range(tensor: torch.Tensor) -> dict[str, Any]:
    values = tensor.detach().float()
    finite = bool(torch.isfinite(values).all())
    result: dict[str, Any] = {"shape": list(values.shape), "finite": finite}
    if not finite or values.numel() == 0:
        return result
    low, high = float(values.min()), float(values.max())
    result.update(min=low, max=high)
    if values.dim() >= 1 and values.shape[-1] > 1:
        sums = values.sum(dim=-1)
        result["rows_sum_to_one"] = low >= 0 and bool(torch.allclose(sums, torch.ones_like(sums), atol=1e-3))
        log_sums = values.exp().sum(dim=-1)
        result["log_rows_sum_to_one"] = high <= 1e-6 and bool(torch.allclose(log_sums, torch.ones_like(log_sums), atol=1e-3))
        if values.dim() >= 2:
            # nn.Softmax() without dim normalises dim 0 for 1-D and 3-D inputs: the batch.
            sums0 = values.sum(dim=0)
            result["batch_sums_to_one"] = low >= 0 and bool(torch.allclose(sums0, torch.ones_like(sums0), atol=1e-3))
    result["unit_interval"] = low >= 0 and high <= 1
    result["non_negative"] = low >= 0
    result["zero_fraction"] = float((values == 0).float().mean())
    return result


def output_range(model: nn.Module, plan: InputPlan) -> dict[str, Any]:
    """Per output tensor: its range, whether rows sum to 1, and the module that produced it."""
    # The tensors are kept alive with their names: a freed tensor's id can be reused.
    produced_by: dict[int, tuple[torch.Tensor, str]] = {}

    def record(name: str, module: nn.Module, output: Any) -> None:
        if isinstance(output, torch.Tensor):
            produced_by.setdefault(id(output), (output, f"{name} ({type(module).__name__})"))

    model.eval()
    with torch.no_grad(), forward_hooks(model, record):
        output = model(*varied_batch(plan))
    outputs = []
    for label, tensor in output_tensors(output):
        described = _describe_range(tensor)
        described["label"] = label
        described["inputs"] = varied_count(plan)
        described["producer"] = produced_by.get(id(tensor), (None, ""))[1]
        outputs.append(described)
    return {"outputs": outputs}


def _first_non_finite(model: nn.Module, inputs: list[torch.Tensor]) -> Optional[str]:
    first: list[str] = []

    def record(name: str, module: nn.Module, output: Any) -> None:
        for _, tensor in output_tensors(output) if not isinstance(output, torch.Tensor) else [("", output)]:
            if not first and tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
                first.append(f"{name} ({type(module).__name__})")

    with torch.no_grad(), forward_hooks(model, record):
        model(*inputs)
    return first[0] if first else None


def non_finite(model: nn.Module, plan: InputPlan) -> dict[str, Any]:
    """Feed edge inputs; the first module whose output has NaN/Inf, and the first NaN gradient."""
    model.eval()
    result: dict[str, Any] = {"forward": None, "backward": None, "inputs": []}
    kinds = ("varied", "zeros", "constant", "large") if plan.dtype.is_floating_point and plan.high is None else ("varied",)
    for kind in kinds:
        inputs = varied_batch(plan, seed=2) if kind == "varied" else plan.make(kind=kind)
        result["inputs"].append(kind)
        if result["forward"] is None:
            module = _first_non_finite(model, inputs)
            if module is not None:
                result["forward"] = {"input": kind, "module": module}
        if result["backward"] is None:
            model.zero_grad(set_to_none=True)
            output = model(*inputs)
            found = main_output(output)
            if found is None or not bool(torch.isfinite(found[1]).all()):
                continue
            loss = found[1].float().sum()
            if not loss.requires_grad:
                continue
            loss.backward()
            for name, parameter in model.named_parameters():
                if parameter.grad is not None and not bool(torch.isfinite(parameter.grad).all()):
                    result["backward"] = {"input": kind, "parameter": name}
                    break
    model.zero_grad(set_to_none=True)
    return result


def _identical_rows(matrix: torch.Tensor) -> bool:
    rows = matrix.detach().reshape(matrix.shape[0], -1)
    return rows.shape[0] > 1 and bool((rows == rows[0]).all())


def _weight_matrices(model: nn.Module) -> list[tuple[str, torch.Tensor]]:
    found = []
    for name, parameter in model.named_parameters():
        last = name.rsplit(".", 1)[-1]
        if parameter.dim() >= 2 and ("weight" in last or "." not in name or last.startswith("w")):
            found.append((name, parameter))
    return found


def symmetry(model: nn.Module, plan: InputPlan) -> dict[str, Any]:
    """Weight matrices whose rows (units) are identical after construction, and whether their
    gradients are identical (or zero) after one backward pass."""
    model.train()
    model.zero_grad(set_to_none=True)
    loss = training_loss(model(*varied_batch(plan)))
    if loss is not None and loss.requires_grad:
        loss.backward()
    layers = []
    suspicious = []
    for name, parameter in _weight_matrices(model):
        values = parameter.detach()
        if not bool(torch.isfinite(values).all()) or float(values.abs().max()) > 1e6:
            suspicious.append({"name": name, "max_abs": None if not bool(torch.isfinite(values).all()) else float(values.abs().max())})
        grad = parameter.grad
        layers.append({
            "name": name,
            "rows": int(values.shape[0]),
            "identical_rows": _identical_rows(values),
            "constant": bool((values == values.reshape(-1)[0]).all()),
            "identical_grads": grad is not None and _identical_rows(grad),
            "zero_grad": grad is None or not bool(grad.abs().max() > 0),
        })
    model.zero_grad(set_to_none=True)
    return {"layers": layers, "non_finite_or_huge": suspicious}


def registration(model: nn.Module, plan: InputPlan) -> dict[str, Any]:
    """Layers kept in plain lists/dicts (not in parameters()) and plain weight-like tensors."""
    unregistered = []
    called: set[int] = set()
    handles = []
    for attribute, modules in unregistered_modules(model):
        for module in modules:
            for sub in module.modules():
                handles.append(sub.register_forward_hook(lambda m, i, o: called.add(id(m))))
        unregistered.append((attribute, modules))
    plain = []
    for owner_name, owner in model.named_modules():
        for attribute, value in vars(owner).items():
            if isinstance(value, torch.Tensor) and not isinstance(value, nn.Parameter) and value.dim() >= 1 \
                    and not attribute.startswith("_"):
                plain.append({"attribute": f"{owner_name}.{attribute}" if owner_name else attribute,
                              "shape": list(value.shape), "requires_grad": bool(value.requires_grad)})
    try:
        model.train()
        with torch.no_grad():
            model(*varied_batch(plan))
    except Exception:  # noqa: BLE001 - registration is still known without the usage
        pass
    finally:
        for handle in handles:
            handle.remove()
    registered_count = sum(parameter.numel() for parameter in model.parameters())
    return {
        "registered_parameters": registered_count,
        "unregistered": [
            {"attribute": attribute, "modules": len(modules),
             "parameters": sum(p.numel() for module in modules for p in module.parameters()),
             "used": any(id(module) in called for module in modules)}
            for attribute, modules in unregistered
        ],
        "plain_tensors": plain,
    }


def dead_relu(model: nn.Module, plan: InputPlan) -> dict[str, Any]:
    """Per ReLU module: the fraction of units that output zero for every input of a varied batch."""
    fractions: dict[str, float] = {}

    def record(name: str, module: nn.Module, output: Any) -> None:
        if not isinstance(output, torch.Tensor) or output.dim() < 2 or output.shape[0] < 2:
            return
        # A unit is a feature (Linear) or a channel (Conv): dead when zero everywhere, for every sample.
        active = (output.detach() > 0).transpose(0, 1).reshape(output.shape[1], -1).any(dim=1)
        fractions[name] = float(1 - active.float().mean())

    model.eval()
    with torch.no_grad(), forward_hooks(model, record, only=_RELUS):
        model(*varied_batch(plan))
    return {"layers": [{"name": name, "dead_fraction": fraction} for name, fraction in fractions.items()],
            "inputs": varied_count(plan)}


def constant_prediction(model: nn.Module, plan: InputPlan) -> dict[str, Any]:
    """Whether the predicted class (argmax) or the whole output is the same for every input."""
    model.eval()
    with torch.no_grad():
        found = main_output(model(*varied_batch(plan, seed=3)))
    if found is None:
        return {"checked": False, "reason": "the model returns no floating-point tensor"}
    label, tensor = found
    values = tensor.detach().float()
    count = varied_count(plan)
    if values.dim() == 0 or values.shape[0] != count or not bool(torch.isfinite(values).all()):
        return {"checked": False, "reason": f"{label} is not one finite row per input (shape {list(values.shape)})"}
    flat = values.reshape(count, -1)
    spread = float(flat.std(dim=0).max())
    scale = float(flat.abs().mean()) + 1e-12
    result: dict[str, Any] = {"checked": True, "label": label, "relative_spread": spread / scale, "inputs": count}
    result["constant_output"] = spread <= 1e-6 * max(scale, 1.0)
    if values.dim() == 2 and values.shape[1] > 1:
        predictions = values.argmax(dim=1)
        result["classes"] = int(values.shape[1])
        result["distinct_predictions"] = int(predictions.unique().numel())
        result["predicted"] = int(predictions[0])
    return result


def gradient_flow(model: nn.Module, plan: InputPlan) -> dict[str, Any]:
    """RMS gradient of the first and the last weight matrix after one backward pass."""
    model.train()
    model.zero_grad(set_to_none=True)
    loss = training_loss(model(*varied_batch(plan)))
    if loss is None or not loss.requires_grad:
        return {"checked": False, "reason": "no differentiable output"}
    loss.backward()
    layers = [(name, p) for name, p in _weight_matrices(model) if p.grad is not None]
    model_grads = [(name, float(p.grad.norm()) / math.sqrt(p.numel())) for name, p in layers]
    model.zero_grad(set_to_none=True)
    if len(model_grads) < 2:
        return {"checked": False, "reason": "fewer than two weight matrices receive gradients"}
    (first, first_rms), (last, last_rms) = model_grads[0], model_grads[-1]
    if last_rms == 0 or not math.isfinite(first_rms / last_rms):
        return {"checked": False, "reason": f"the last weight matrix ({last}) gets no usable gradient"}
    return {"checked": True, "first": first, "last": last, "first_rms": first_rms, "last_rms": last_rms,
            "ratio": first_rms / last_rms, "layers": len(model_grads)}
