"""In the child process: the probes that look at one built model (no training).

Each probe returns a JSON-ready dict of what it observed; deciding what that means for a
static finding is the parent's job (confirmation.py). The probes read the passes they share
(passes.py) instead of each running the model again; only the edge-case inputs of the
non-finite probe get passes of their own, at a batch of two.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import torch
from torch import nn

from nnlint.dynamic.construction import InputPlan, output_tensors, unregistered_modules
from nnlint.dynamic.construction_sites import construction_line
from nnlint.dynamic.passes import SharedPasses, non_finite_in, training_loss

VARIED_BATCH = 64
# Input elements per varied batch: 64 samples of 3x32x32. Larger inputs get fewer samples
# (at least 8), or a 224x224 model would spend minutes on statistics.
_ELEMENT_BUDGET = 64 * 3 * 32 * 32
_MIN_BATCH = 8
_WEIGHT_LAYERS = (nn.Linear, nn.Bilinear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d,
                  nn.ConvTranspose2d, nn.ConvTranspose3d, nn.Embedding, nn.RNNBase)
# Zeros and ones are the same for every sample, and ±1e4 differs only in signs: two samples do.
EDGE_BATCH = 2
# Inputs run twice in training mode by the train/eval probe (evaluation mode is the shared pass).
TRAIN_EVAL_BATCH = 16


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


def output_range(model: nn.Module, plan: InputPlan, passes: SharedPasses) -> dict[str, Any]:
    """Per output tensor: its range, whether rows sum to 1, and the module that produced it."""
    seen = passes.observed()
    outputs = []
    for label, tensor in output_tensors(seen.output):
        described = _describe_range(tensor)
        described["label"] = label
        described["inputs"] = varied_count(plan)
        described["producer"] = seen.produced_by.get(id(tensor), (None, ""))[1]
        outputs.append(described)
    return {"outputs": outputs}


def _first_non_finite_module(model: nn.Module, inputs: list[torch.Tensor]) -> tuple[Optional[str], Any]:
    """One forward with gradients: the first module (in execution order) whose output has
    NaN/Inf, and the output, for the backward pass."""
    first: list[str] = []
    names = {id(module): name for name, module in model.named_modules() if name}

    def record(module: nn.Module, args: Any, output: Any) -> None:
        if not first and id(module) in names and non_finite_in(output):
            first.append(f"{names[id(module)]} ({type(module).__name__})")

    handles = [module.register_forward_hook(record) for module in model.modules()]
    try:
        output = model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    if not first and non_finite_in(output):
        first.append(f"{type(model).__name__} ({type(model).__name__})")
    return (first[0] if first else None), output


def _non_finite_grad(grads: dict[str, Optional[torch.Tensor]]) -> Optional[str]:
    return next((name for name, grad in grads.items() if grad is not None and not bool(torch.isfinite(grad).all())),
                None)


def non_finite(model: nn.Module, plan: InputPlan, passes: SharedPasses) -> dict[str, Any]:
    """Feed edge inputs; the first module whose output has NaN/Inf, and the first NaN gradient.
    The varied batch's passes are shared; zeros, ones and ±1e4 get one forward and backward each."""
    result: dict[str, Any] = {"forward": None, "backward": None, "inputs": ["varied"]}
    seen = passes.observed()
    if seen.first_non_finite is not None:
        result["forward"] = {"input": "varied", "module": seen.first_non_finite}
    trained = passes.trained()
    bad = _non_finite_grad(trained.grads)
    if bad is not None:
        result["backward"] = {"input": "varied", "parameter": bad}
    if not (plan.dtype.is_floating_point and plan.high is None):
        return result
    model.eval()
    for kind in ("zeros", "constant", "large"):
        result["inputs"].append(kind)
        if result["forward"] is not None and result["backward"] is not None:
            continue
        model.zero_grad(set_to_none=True)
        module, output = _first_non_finite_module(model, plan.make(EDGE_BATCH, kind=kind))
        if module is not None and result["forward"] is None:
            result["forward"] = {"input": kind, "module": module}
        found = main_output(output)
        if result["backward"] is not None or found is None or not bool(torch.isfinite(found[1]).all()):
            continue
        loss = found[1].float().sum()
        if not loss.requires_grad:
            continue
        loss.backward()
        bad = _non_finite_grad({name: p.grad for name, p in model.named_parameters()})
        if bad is not None:
            result["backward"] = {"input": kind, "parameter": bad}
    model.zero_grad(set_to_none=True)
    return result


def _identical_rows(matrix: torch.Tensor, tolerance: float = 0.0) -> bool:
    rows = matrix.detach().reshape(matrix.shape[0], -1)
    if rows.shape[0] < 2:
        return False
    if tolerance == 0.0:
        return bool((rows == rows[0]).all())
    # Gradients of identical units agree up to rounding, not bit for bit.
    return bool((rows - rows[0]).abs().max() <= tolerance * (float(rows.abs().max()) + 1e-30))


# Relative to the largest gradient in the model: below it, a gradient is rounding noise.
_ZERO_GRADIENT = 1e-6
_SAME_GRADIENT = 1e-4


def _weight_matrices(model: nn.Module) -> list[tuple[str, torch.Tensor]]:
    found = []
    for name, parameter in model.named_parameters():
        last = name.rsplit(".", 1)[-1]
        if parameter.dim() >= 2 and ("weight" in last or "." not in name or last.startswith("w")):
            found.append((name, parameter))
    return found


def symmetry(model: nn.Module, plan: InputPlan, passes: SharedPasses) -> dict[str, Any]:
    """Weight matrices whose rows (units) are identical after construction, and whether their
    gradients are identical (or zero) after one backward pass."""
    grads = passes.trained().grads
    largest = max((float(grad.abs().max()) for grad in grads.values() if grad is not None and grad.numel()), default=0.0)
    layers = []
    suspicious = []
    for name, parameter in _weight_matrices(model):
        values = parameter.detach()
        if not bool(torch.isfinite(values).all()) or float(values.abs().max()) > 1e6:
            suspicious.append({"name": name, "max_abs": None if not bool(torch.isfinite(values).all()) else float(values.abs().max())})
        grad = grads.get(name)
        layers.append({
            "name": name,
            "rows": int(values.shape[0]),
            "identical_rows": _identical_rows(values),
            "constant": bool((values == values.reshape(-1)[0]).all()),
            "identical_grads": grad is not None and _identical_rows(grad, _SAME_GRADIENT),
            "zero_grad": grad is None or not float(grad.abs().max()) > _ZERO_GRADIENT * largest,
        })
    return {"layers": layers, "non_finite_or_huge": suspicious}


def registration(model: nn.Module, plan: InputPlan, passes: SharedPasses) -> dict[str, Any]:
    """Layers kept in plain lists/dicts (not in parameters()) and plain weight-like tensors."""
    unregistered = unregistered_modules(model)
    plain = []
    for owner_name, owner in model.named_modules():
        for attribute, value in vars(owner).items():
            if isinstance(value, torch.Tensor) and not isinstance(value, nn.Parameter) and value.dim() >= 1 \
                    and not attribute.startswith("_"):
                plain.append({"attribute": f"{owner_name}.{attribute}" if owner_name else attribute,
                              "shape": list(value.shape), "requires_grad": bool(value.requires_grad)})
    try:
        called = passes.observed().called
    except Exception:  # noqa: BLE001 - registration is still known without the usage
        called = set()
    registered_count = sum(parameter.numel() for parameter in model.parameters())
    return {
        "registered_parameters": registered_count,
        "unregistered": [
            {"attribute": attribute, "modules": len(modules),
             "parameters": sum(p.numel() for module in modules for p in module.parameters()),
             "used": any(id(module) in called for module in modules),
             "get_gradients": _get_gradients(model, plan, passes, modules)}
            for attribute, modules in unregistered
        ],
        "plain_tensors": plain,
    }


def _get_gradients(model: nn.Module, plan: InputPlan, passes: SharedPasses, modules: list[nn.Module]) -> bool:
    """Whether one backward pass gives the parameters of `modules` a gradient: autograd
    reaches layers forward uses, registered or not; only the optimizer does not see them."""
    parameters = [p for module in modules for p in module.parameters()]
    if not parameters:
        return False
    for parameter in parameters:
        parameter.grad = None
    model.train()
    try:
        loss = training_loss(model(*passes.inputs))
        if loss is not None and loss.requires_grad:
            loss.backward()
    except Exception:  # noqa: BLE001 - then it is unknown, which reads as no
        return False
    found = any(p.grad is not None and bool(p.grad.abs().max() > 0) for p in parameters)
    model.zero_grad(set_to_none=True)
    for parameter in parameters:
        parameter.grad = None
    return found


def layer_usage(model: nn.Module, plan: InputPlan, passes: SharedPasses) -> dict[str, Any]:
    """Per submodule built on a line of the probed file: that line, whether forward called it
    (the shared evaluation pass) and whether one backward gave its parameters a gradient."""
    called = passes.observed().called
    grads = passes.trained().grads
    layers = []
    for name, module in model.named_modules():
        line = construction_line(module)
        if not name or line is None:
            continue
        own = [f"{name}.{parameter}" for parameter, _ in module.named_parameters()]
        layers.append({"name": name, "type": type(module).__name__, "line": line, "called": id(module) in called,
                       "gradient": any(grads.get(key) is not None and bool(grads[key].abs().max() > 0) for key in own)})
    return {"layers": layers}


def train_eval(model: nn.Module, plan: InputPlan, passes: SharedPasses) -> dict[str, Any]:
    """What a model left in training mode does to evaluation: the same inputs twice in
    training mode (dropout draws new masks), and training against evaluation mode
    (batch-norm uses the batch's statistics, the shared evaluation pass gives the other
    side). BatchNorm's running statistics are restored."""
    inputs = [tensor[:TRAIN_EVAL_BATCH] for tensor in passes.inputs]
    count = inputs[0].shape[0]
    # Evaluation mode is the shared pass (per-sample in eval mode, so its first rows are these inputs').
    shared = main_output(passes.observed().output)
    evaluated = (shared[0], shared[1][:count]) if shared is not None and shared[1].dim() and \
        shared[1].shape[0] == passes.inputs[0].shape[0] else None
    buffers = {name: buffer.clone() for name, buffer in model.named_buffers()}
    dropouts = [name for name, module in model.named_modules()
                if isinstance(module, nn.modules.dropout._DropoutNd) and module.p > 0]
    norms = [name for name, module in model.named_modules()
             if isinstance(module, nn.modules.batchnorm._BatchNorm) and module.track_running_stats]
    try:
        with torch.no_grad():
            if evaluated is None:
                model.eval()
                evaluated = main_output(model(*inputs))
            model.train()
            first, second = main_output(model(*inputs)), main_output(model(*inputs))
    finally:
        with torch.no_grad():
            for name, buffer in model.named_buffers():
                if name in buffers:
                    buffer.copy_(buffers[name])
    if evaluated is None or first is None or second is None:
        return {"checked": False, "reason": "the model returns no floating-point tensor"}
    scale = float(evaluated[1].float().abs().mean()) + 1e-12
    return {"checked": True, "inputs": int(inputs[0].shape[0]), "label": evaluated[0],
            "repeat_difference": float((first[1] - second[1]).abs().max()),
            "mode_difference": float((first[1] - evaluated[1]).abs().max()),
            "scale": scale, "dropout": dropouts, "batch_norm": norms}


def dead_relu(model: nn.Module, plan: InputPlan, passes: SharedPasses) -> dict[str, Any]:
    """Per ReLU module: the fraction of units that output zero for every input of a varied batch."""
    fractions = passes.observed().dead_fractions
    return {"layers": [{"name": name, "dead_fraction": fraction} for name, fraction in fractions.items()],
            "inputs": varied_count(plan)}


def constant_prediction(model: nn.Module, plan: InputPlan, passes: SharedPasses) -> dict[str, Any]:
    """Whether the predicted class (argmax) or the whole output is the same for every input."""
    found = main_output(passes.observed().output)
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


def gradient_flow(model: nn.Module, plan: InputPlan, passes: SharedPasses) -> dict[str, Any]:
    """RMS gradient of the first and the last weight matrix after one backward pass."""
    trained = passes.trained()
    if not trained.differentiable:
        return {"checked": False, "reason": "no differentiable output"}
    grads = trained.grads
    layers = [(name, p) for name, p in _weight_matrices(model) if grads.get(name) is not None]
    model_grads = [(name, float(grads[name].norm()) / math.sqrt(p.numel())) for name, p in layers]
    if len(model_grads) < 2:
        return {"checked": False, "reason": "fewer than two weight matrices receive gradients"}
    (first, first_rms), (last, last_rms) = model_grads[0], model_grads[-1]
    if last_rms == 0 or not math.isfinite(first_rms / last_rms):
        return {"checked": False, "reason": f"the last weight matrix ({last}) gets no usable gradient"}
    return {"checked": True, "first": first, "last": last, "first_rms": first_rms, "last_rms": last_rms,
            "ratio": first_rms / last_rms, "layers": len(model_grads)}
