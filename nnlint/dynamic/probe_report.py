"""`nnlint probe FILE:Model`: the seed's experiments on one model, as a report a person reads.

Runs in the parent (no torch): the child does the work, this module words the results,
adds the one line of the seed's advice that applies, and optionally plots the learning curve.
"""

from __future__ import annotations

from typing import Any, Optional

_WIDTH = 18


def _row(label: str, text: str) -> str:
    return f"  {label:<{_WIDTH}}{text}"


def _output_line(probes: dict[str, Any]) -> str:
    outputs = probes.get("output_range", {}).get("outputs", [])
    if not outputs:
        return "no floating-point output"
    parts = []
    for output in outputs:
        if not output.get("finite"):
            parts.append(f"{output['label']} {tuple(output['shape'])}: has NaN/Inf")
            continue
        kind = ("rows sum to 1 (probabilities: softmax)" if output.get("rows_sum_to_one")
                else "log-probabilities (log_softmax)" if output.get("log_rows_sum_to_one")
                else "in [0, 1] (sigmoid-like)" if output.get("unit_interval")
                else "never negative (ReLU-like)" if output.get("non_negative")
                else "raw scores (logits)")
        parts.append(f"{output['label']} {tuple(output['shape'])} in [{output['min']:.3g}, {output['max']:.3g}]: {kind}")
    return "; ".join(parts)


def _non_finite_line(probe: dict[str, Any]) -> str:
    if "error" in probe:
        return f"failed: {probe['error']}"
    if probe.get("forward"):
        return f"NaN/Inf with {probe['forward']['input']} input, first in {probe['forward']['module']}"
    if probe.get("backward"):
        return f"NaN/Inf gradient of {probe['backward']['parameter']} with {probe['backward']['input']} input"
    return f"none for {', '.join(probe.get('inputs', []))} inputs, forward and backward"


def _symmetry_line(probe: dict[str, Any]) -> str:
    layers = probe.get("layers", [])
    same = [layer["name"] for layer in layers if layer["identical_rows"]]
    if same:
        return f"identical rows in {', '.join(same[:4])}{' ...' if len(same) > 4 else ''}"
    return f"all {len(layers)} weight matrices have distinct rows"


def _registration_line(probe: dict[str, Any]) -> str:
    parts = [f"{item['attribute']}: {item['modules']} unregistered module(s), {item['parameters']} parameters"
             for item in probe.get("unregistered", [])]
    parts += [f"{item['attribute']}: plain tensor {tuple(item['shape'])}" for item in probe.get("plain_tensors", [])]
    return "; ".join(parts) or f"{probe.get('registered_parameters', 0):,} parameters, all registered"


def _dead_line(probe: dict[str, Any]) -> str:
    layers = probe.get("layers", [])
    if not layers:
        return "no nn.ReLU modules to observe"
    worst = max(layers, key=lambda layer: layer["dead_fraction"])
    return f"worst {worst['name']}: {worst['dead_fraction']:.0%} of units never active over {probe.get('inputs', 64)} inputs"


def _constant_line(probe: dict[str, Any]) -> str:
    if not probe.get("checked"):
        return f"not checked: {probe.get('reason', '')}"
    if probe.get("constant_output"):
        return f"the same output for all {probe.get('inputs', 64)} inputs"
    if probe.get("distinct_predictions") == 1:
        return f"class {probe['predicted']} for all {probe.get('inputs', 64)} inputs"
    if "distinct_predictions" in probe:
        return f"{probe['distinct_predictions']} different classes predicted over {probe.get('inputs', 64)} inputs"
    return f"output varies with the input (relative spread {probe['relative_spread']:.3g})"


def _gradient_line(probe: dict[str, Any]) -> str:
    if not probe.get("checked"):
        return f"not checked: {probe.get('reason', '')}"
    return f"first/last RMS gradient {probe['ratio']:.3g} ({probe['first']} / {probe['last']})"


def _train_eval_line(probe: dict[str, Any]) -> str:
    if not probe.get("checked"):
        return f"not checked: {probe.get('reason', '')}"
    repeat, mode = probe["repeat_difference"], probe["mode_difference"]
    if max(repeat, mode) <= 1e-5 * max(probe["scale"], 1.0):
        return "the same outputs in training and evaluation mode"
    return (f"training mode: two passes differ by up to {repeat:.3g}, evaluation mode by up to {mode:.3g} "
            f"(call model.eval() before evaluating)")


def fit_line(probe: dict[str, Any]) -> str:
    if not probe.get("checked"):
        return f"not checked: {probe.get('reason', '')}"
    steps = f"{probe['steps']} steps of Adam (lr {probe['lr']:g})"
    if probe["unlearned"]:
        classes = ", ".join(map(str, probe["unlearned"]))
        if not probe.get("stalled", True):
            return (f"classes {classes} of {probe['classes']} not yet learned in {steps}, but the loss fell "
                    f"from {probe['first_loss']:.3g} to {probe['final_loss']:.3g} (slow, not stuck)")
        return f"cannot learn classes {classes} of {probe['classes']} in {steps}; the loss stays near {probe['final_loss']:.3g}"
    return f"learned all {probe['classes']} samples in at most {steps}"


def advice(probes: dict[str, Any]) -> list[str]:
    """The seed's one-liners that apply to what the probes found."""
    tips = []
    outputs = probes.get("output_range", {}).get("outputs", [])
    if any(output.get("rows_sum_to_one") for output in outputs):
        tips.append("The output is already softmax probabilities: if you train with CrossEntropyLoss, return the logits.")
    if probes.get("non_finite", {}).get("forward") or probes.get("non_finite", {}).get("backward"):
        tips.append("Division by 0 or log of 0/negative numbers: add a small number to the denominator, clamp the log's input.")
    if any(layer["identical_rows"] for layer in probes.get("symmetry", {}).get("layers", [])):
        tips.append("Initialize the weights randomly (each weight a different value).")
    if probes.get("registration", {}).get("unregistered") or probes.get("registration", {}).get("plain_tensors"):
        tips.append("Register layers with nn.ModuleList/ModuleDict and weights with nn.Parameter, or they are never trained.")
    if any(layer["dead_fraction"] >= 0.7 for layer in probes.get("dead_relu", {}).get("layers", [])):
        tips.append("Dying ReLU: check the initialization and input scale; try LeakyReLU or a smaller learning rate.")
    if probes.get("fit", {}).get("unlearned") and probes.get("fit", {}).get("stalled", True):
        tips.append("It cannot fit one item per class: look for a bug (training, data type, model, initialization) "
                    "before tuning anything; try a smaller model.")
    if not tips:
        tips.append("Nothing wrong showed up on synthetic data. Next: fit one item per class of your real data, "
                    "then grow the dataset and watch the training error (the learning curve).")
    return tips


def render_probe_report(target: str, report: dict[str, Any]) -> str:
    probes = report.get("probes", {})
    lines = [f"nnlint probe {target}: {report.get('parameters', 0):,} parameters"]
    if report.get("built_as"):
        lines.append(f"  built as          {report['built_as']}, the file's own call")
    lines.append(f"  input             {report.get('input', '?')}")
    if report.get("classes"):
        lines.append(f"  classes           {report['classes']}")
    lines.append("")
    rows = (("output", _output_line(probes)),
            ("non-finite", _non_finite_line(probes.get("non_finite", {}))),
            ("symmetry", _symmetry_line(probes.get("symmetry", {}))),
            ("registration", _registration_line(probes.get("registration", {}))),
            ("dead ReLU", _dead_line(probes.get("dead_relu", {}))),
            ("predictions", _constant_line(probes.get("constant_prediction", {}))),
            ("gradient flow", _gradient_line(probes.get("gradient_flow", {}))),
            ("train/eval", _train_eval_line(probes.get("train_eval", {}))),
            ("one item/class", fit_line(probes.get("fit", {}))))
    lines += [_row(label, text) for label, text in rows]
    curve = probes.get("learning_curve")
    if curve:
        lines += ["", "  learning curve (random labels; final training error)", "      samples  error"]
        for point in curve:
            error = "n/a" if point["error"] is None else f"{point['error']:.2f}"
            lines.append(f"      {point['samples']:>7}  {error}")
    lines += ["", "advice:"] + [f"  - {tip}" for tip in advice(probes)]
    return "\n".join(lines) + "\n"


def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend (files only, no display); ImportError when the
    `plot` extra is missing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(plt: Any, figure: Any, path: str) -> Optional[str]:
    """Write `figure` to `path` and free it; an error message when the file cannot be written."""
    try:
        figure.savefig(path)
    except OSError as error:
        return f"cannot write {path}: {error.strerror or error}"
    finally:
        plt.close(figure)
    return None


def plot_learning_curve(curve: list[dict[str, Any]], path: str, title: str) -> Optional[str]:
    """Write the curve to `path`; an error message instead when matplotlib is missing."""
    try:
        plt = pyplot()
    except ImportError:
        return "--plot needs matplotlib (nnlint's `plot` extra): pip install matplotlib"
    points = [point for point in curve if point["error"] is not None]
    figure, axes = plt.subplots(figsize=(5, 3.5))
    axes.plot([p["samples"] for p in points], [p["error"] for p in points], marker="o")
    axes.set_xscale("log", base=2)
    axes.set_xlabel("training samples (random labels)")
    axes.set_ylabel("final training error")
    axes.set_ylim(-0.05, 1.05)
    axes.set_title(title)
    figure.tight_layout()
    return save_figure(plt, figure, path)
