"""The NNL9xx findings: what the probes showed about a model, reported at its definition."""

from __future__ import annotations

from typing import Any, Mapping, Optional

from nnlint.diagnostic import Diagnostic, Position
from nnlint.dynamic.isolation import ModuleOutcome
from nnlint.rules import rules_by_code

Options = Mapping[str, Mapping[str, Any]]
SPREAD_FOR_SAME_CLASS = 0.01


def _option(options: Options, code: str, name: str) -> Any:
    rule = rules_by_code()[code]
    return {**rule.defaults, **options.get(code, {})}[name]


def _messages(report: dict[str, Any], options: Options) -> list[tuple[str, str]]:
    probes = report.get("probes", {})
    name = report["name"]
    found: list[tuple[str, str]] = []
    non_finite = probes.get("non_finite") or {}
    if non_finite.get("forward"):
        where = non_finite["forward"]
        found.append(("NNL901", f"with {where['input']} input, the output of {where['module']} in {name} has NaN/Inf; "
                                "guard the log/division/sqrt there with a clamp or an eps"))
    elif non_finite.get("backward"):
        where = non_finite["backward"]
        found.append(("NNL901", f"with {where['input']} input, the backward pass of {name} gives NaN/Inf in "
                                f"{where['parameter']}.grad (sqrt or division at 0?)"))
    threshold = _option(options, "NNL902", "dead-fraction")
    dead = probes.get("dead_relu") or {}
    for layer in dead.get("layers", []):
        if layer["dead_fraction"] >= threshold:
            found.append(("NNL902", f"{layer['dead_fraction']:.0%} of the units of {layer['name']} in {name} output "
                                    f"zero for all of {dead.get('inputs', 64)} different inputs; they get no gradient "
                                    "and never recover"))
            break
    constant = probes.get("constant_prediction") or {}
    # One argmax for every input also happens to healthy networks at initialization (a bias
    # that dominates); it counts only when the output itself barely moves with the input.
    barely_moves = constant.get("relative_spread", 1.0) < SPREAD_FOR_SAME_CLASS
    if constant.get("checked") and (constant.get("constant_output")
                                    or (constant.get("distinct_predictions") == 1 and barely_moves)):
        what = ("the same output" if constant.get("constant_output")
                else f"class {constant.get('predicted')} (of {constant.get('classes')})")
        found.append(("NNL903", f"{name} predicts {what} for all of {constant.get('inputs', 64)} different inputs: the input does not "
                                "reach the output"))
    fit = probes.get("fit") or {}
    # Unlearned samples with a falling loss mean "slow", not "cannot": only a stalled loss counts.
    if fit.get("checked") and fit.get("unlearned") and fit.get("stalled", True):
        classes = ", ".join(str(c) for c in fit["unlearned"])
        found.append(("NNL904", f"{name} cannot fit one sample per class: after {fit['steps']} steps of Adam "
                                f"(lr {fit['lr']:g}) on {fit['classes']} samples it still gets classes {classes} wrong"))
    flow = probes.get("gradient_flow") or {}
    if flow.get("checked"):
        ratio = flow["ratio"]
        text = f"the gradient of {flow['first']} is {ratio:.2g}x that of {flow['last']} in {name}"
        if ratio < _option(options, "NNL905", "min-ratio"):
            found.append(("NNL905", f"{text}: the first layers barely train"))
        elif ratio > _option(options, "NNL906", "max-ratio"):
            found.append(("NNL906", f"{text}: the first layers take huge steps"))
    return found


def shape_message(report: dict[str, Any]) -> str:
    """NNL907's message for a model whose forward fails on a shape mismatch."""
    shape = report["shape"]
    fits = f"; {shape['fitting']} would fit" if shape.get("fitting") else ""
    # On the meta device torch's own wording says less than the layer's attributes do.
    error = f"; {shape['error']}" if shape.get("device") == "cpu" else ""
    return f"shape mismatch in {report['name']}: {shape['layer']} {shape['how']}{fits} (input {shape['input']}{error})"



def dynamic_findings(outcome: ModuleOutcome, path: str, lines: list[str], options: Options) -> list[Diagnostic]:
    """NNL9xx Diagnostics for the models of one file, each at the line defining the model
    (a shape mismatch: at the line that builds the layer, when this file builds it)."""
    rules = rules_by_code()
    candidates = {candidate["name"]: candidate for candidate in outcome.candidates}
    by_model = {name: _messages(report, options) for name, report in outcome.reports.items()
                if report.get("status") == "ok"}
    at: dict[str, int] = {}
    for name, report in outcome.reports.items():
        if report.get("status") == "shape-mismatch":
            by_model[name] = [("NNL907", shape_message(report))]
            if report.get("line"):
                at[name] = report["line"]
    found = []
    for name, messages in by_model.items():
        candidate = candidates.get(name, {})
        # `net = MicroNet()` shows nothing MicroNet's own report did not already say.
        of_class = {code for code, _ in by_model.get(candidate.get("class_name") or "", [])}
        messages = [(code, message) for code, message in messages if code not in of_class]
        line = at.get(name, candidate.get("start", 1))
        source_line: Optional[str] = lines[line - 1] if 0 < line <= len(lines) else ""
        column = len(source_line) - len(source_line.lstrip()) + 1 if source_line else 1
        for code, message in messages:
            rule = rules[code]
            found.append(Diagnostic(
                code=code, name=rule.name, message=message, path=path,
                start=Position(line, column), end=Position(line, len(source_line or "") + 1),
                severity=rule.severity, source_line=source_line or "",
            ))
    return found
