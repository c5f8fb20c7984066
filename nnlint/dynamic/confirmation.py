"""From probe results to a confirmation status on each static finding.

A static finding is confirmed when a model it belongs to shows the effect the rule predicts
(the output rows of the model sum to 1, two layers have identical rows, ...), not confirmed
when the probe ran and did not show it, and not checked when no probe could run or none
observes what the rule is about. Every status says why.
"""

from __future__ import annotations

import os
from typing import Any, Optional

from nnlint.diagnostic import Confirmation, Diagnostic
from nnlint.dynamic.isolation import ModuleOutcome
from nnlint.dynamic.model_index import ProbedModel, Scope, all_models, failure_text, scope_of

CONFIRMED, NOT_CONFIRMED, NOT_CHECKED = "confirmed", "not-confirmed", "not-checked"
Verdict = Optional[tuple[str, str]]

# Methods a probe runs: forward (and what it calls) and the constructor.
_RUN_METHODS = (None, "forward", "__init__", "__call__")
_OUTPUT_CODES = {"NNL101", "NNL102", "NNL103", "NNL104", "NNL105", "NNL106", "NNL107", "NNL108", "NNL109"}
_NUMERIC_CODES = {"NNL201", "NNL202", "NNL203", "NNL204"}


def _number(value: Optional[float]) -> str:
    return "?" if value is None else f"{value:.3g}"


def _outputs(report: dict[str, Any]) -> list[dict[str, Any]]:
    return report.get("probes", {}).get("output_range", {}).get("outputs", [])


def _range(output: dict[str, Any]) -> str:
    return f"{output['label']} ranges over [{_number(output.get('min'))}, {_number(output.get('max'))}]"


def _producer(output: dict[str, Any]) -> str:
    producer = output.get("producer", "")
    name, _, kind = producer.partition(" (")
    # The model itself producing it (a functional softmax in forward) says nothing new.
    return f", produced by {producer}" if producer and kind.rstrip(")") != name else ""


def _output_verdict(code: str, report: dict[str, Any]) -> Verdict:
    outputs = [output for output in _outputs(report) if output.get("finite")]
    if not outputs:
        return None
    # A tuple output may hold a sigmoid and a softmax: the softmax is what NNL101 is about.
    outputs = sorted(outputs, key=lambda output: not output.get("rows_sum_to_one"))
    for output in outputs:
        rows = output.get("rows_sum_to_one")
        if code in ("NNL101", "NNL102", "NNL109") and rows:
            return CONFIRMED, f"the rows of {output['label']} sum to 1 for {output.get('inputs', 64)} different inputs{_producer(output)}"
        if code in ("NNL101", "NNL103") and output.get("unit_interval"):
            return CONFIRMED, f"{_range(output)}: already probabilities{_producer(output)}"
        if code == "NNL102" and not output.get("log_rows_sum_to_one"):
            return CONFIRMED, f"{_range(output)}: not log-probabilities"
        if code == "NNL104" and not output.get("unit_interval"):
            return CONFIRMED, f"{_range(output)}, outside [0, 1]"
        if code in ("NNL105", "NNL108") and output.get("non_negative"):
            share = output.get("zero_fraction", 0.0) * 100
            return CONFIRMED, f"{output['label']} is never negative ({share:.0f}% exact zeros){_producer(output)}"
        if code == "NNL106" and output.get("shape", [0])[-1] == 1:
            return CONFIRMED, f"{output['label']} has one unit (shape {output['shape']})"
        if code == "NNL107" and output.get("batch_sums_to_one") and not rows:
            return CONFIRMED, f"{output['label']} sums to 1 over dim 0, the batch, not over the classes"
    first = outputs[0]
    if code == "NNL107":
        if first.get("rows_sum_to_one"):
            return NOT_CONFIRMED, (f"for input shape {first['shape'][:1] + ['...']} the implicit dim is the last one: "
                                   "rows sum to 1 (another input rank may change that)")
        return None
    if code == "NNL102" or code == "NNL109":
        return NOT_CONFIRMED, f"{_range(first)}: log-probabilities"
    return NOT_CONFIRMED, f"{_range(first)}"


def _numeric_verdict(report: dict[str, Any]) -> Verdict:
    probe = report.get("probes", {}).get("non_finite")
    if not probe or "error" in probe:
        return None
    forward, backward = probe.get("forward"), probe.get("backward")
    if forward:
        return CONFIRMED, f"with {forward['input']} input the output of {forward['module']} has NaN/Inf"
    if backward:
        return CONFIRMED, f"with {backward['input']} input the backward pass gives NaN/Inf in {backward['parameter']}.grad"
    kinds = ", ".join(probe.get("inputs", []))
    return NOT_CONFIRMED, f"no NaN/Inf forward or backward for {kinds} inputs"


def _symmetry_verdict(report: dict[str, Any]) -> Verdict:
    layers = report.get("probes", {}).get("symmetry", {}).get("layers")
    if layers is None:
        return None
    identical = [layer for layer in layers if layer["identical_rows"]]
    if not identical:
        return NOT_CONFIRMED, f"all {len(layers)} weight matrices have distinct rows after construction"
    # Identical units stay identical only when their gradients are identical (or zero) too:
    # an output layer's rows get different gradients (one per class) and part at once.
    stuck = [layer for layer in identical if layer["zero_grad"] or layer["identical_grads"]]
    if not stuck:
        names = ", ".join(layer["name"] for layer in identical[:3])
        return NOT_CONFIRMED, (f"the rows of {names} are identical after construction, but their gradients differ "
                               "after one backward, so the units part from the first step")
    first = stuck[0]
    names = ", ".join(layer["name"] for layer in stuck[:3])
    grads = (", and their gradients are zero after one backward" if first["zero_grad"]
             else ", and so are their gradients after one backward")
    return CONFIRMED, f"the {first['rows']} rows of {names} are identical{grads}: the units stay identical"


def _uninitialized_verdict(report: dict[str, Any]) -> Verdict:
    symmetry = report.get("probes", {}).get("symmetry")
    if symmetry is None:
        return None
    bad = symmetry.get("non_finite_or_huge", [])
    if bad:
        return CONFIRMED, f"{bad[0]['name']} holds NaN/Inf or values above 1e6 (uninitialized memory)"
    return NOT_CONFIRMED, ("the memory happened to hold finite, moderate values this time; it is still "
                           "uninitialized and may not next time")


def _registration_verdict(code: str, report: dict[str, Any]) -> Verdict:
    probe = report.get("probes", {}).get("registration")
    if probe is None or "error" in probe:
        return None
    if code == "NNL302":
        found = probe.get("unregistered", [])
        if not found:
            return NOT_CONFIRMED, "every submodule is registered"
        first = found[0]
        if not first["used"]:
            effect = "; forward never uses them, so they get no gradient"
        elif first.get("get_gradients"):
            effect = ("; forward uses them and backward gives them gradients, but an optimizer built from "
                      "parameters() never updates them")
        else:
            effect = "; forward uses them"
        return CONFIRMED, (f"{first['attribute']} holds {first['modules']} module(s) with {first['parameters']} "
                           f"parameters missing from parameters(){effect}")
    tensors = probe.get("plain_tensors", [])
    if not tensors:
        return NOT_CONFIRMED, "no plain tensor attributes: every tensor is a Parameter or buffer"
    first = tensors[0]
    return CONFIRMED, f"{first['attribute']} (shape {first['shape']}) is a plain tensor: not in parameters() or state_dict()"


def _gradient_verdict(report: dict[str, Any], min_ratio: float) -> Verdict:
    probe = report.get("probes", {}).get("gradient_flow")
    if not probe or not probe.get("checked"):
        return None
    ratio = probe["ratio"]
    text = f"the gradient of {probe['first']} is {_number(ratio)}x that of {probe['last']}"
    return (CONFIRMED if ratio < min_ratio else NOT_CONFIRMED), text


def _train_eval_verdict(report: dict[str, Any]) -> Verdict:
    probe = report.get("probes", {}).get("train_eval")
    if not probe or not probe.get("checked"):
        return None
    tolerance = 1e-5 * max(probe["scale"], 1.0)
    repeat, mode = probe["repeat_difference"], probe["mode_difference"]
    count = probe["inputs"]
    if repeat <= tolerance and mode <= tolerance:
        return NOT_CONFIRMED, (f"in training mode the outputs for the same {count} inputs equal those of evaluation "
                               "mode: no active dropout or batch-norm changes them")
    parts = []
    if repeat > tolerance:
        layers = ", ".join(probe["dropout"][:3]) or "a random operation"
        parts.append(f"two training-mode passes over the same {count} inputs differ by up to {_number(repeat)} "
                     f"(dropout: {layers})")
    if mode > tolerance:
        norms = f" (batch-norm: {', '.join(probe['batch_norm'][:3])})" if probe["batch_norm"] else ""
        parts.append(f"training mode differs from evaluation mode by up to {_number(mode)}{norms}")
    return CONFIRMED, "; ".join(parts)


def _usage_verdict(report: dict[str, Any], line: int) -> Verdict:
    layers = [layer for layer in report.get("probes", {}).get("layer_usage", {}).get("layers", [])
              if layer["line"] == line]
    if not layers:
        return None
    used = [layer for layer in layers if layer["called"]]
    if used:
        return NOT_CONFIRMED, f"forward calls {used[0]['name']} ({used[0]['type']}, built on line {line})"
    first = layers[0]
    return CONFIRMED, (f"forward never calls {first['name']} ({first['type']}, built on line {line})"
                       + (", and one backward pass gives it no gradient" if not first["gradient"] else ""))


def _verdict_for(code: str, report: dict[str, Any], min_ratio: float, line: int = 0) -> Verdict:
    if code in _OUTPUT_CODES:
        return _output_verdict(code, report)
    if code in _NUMERIC_CODES:
        return _numeric_verdict(report)
    if code == "NNL301":
        return _symmetry_verdict(report)
    if code == "NNL304":
        return _uninitialized_verdict(report)
    if code in ("NNL302", "NNL303"):
        return _registration_verdict(code, report)
    if code == "NNL402":
        return _gradient_verdict(report, min_ratio)
    if code == "NNL502":
        return _train_eval_verdict(report)
    if code == "NNL403":
        return _usage_verdict(report, line)
    return None


def _unprobed_reason(code: str) -> Optional[str]:
    if code.startswith(("NNL5", "NNL6")) and code != "NNL502":
        return "it is about the training or evaluation code, which dynamic mode does not run"
    if code in ("NNL205", "NNL401", "NNL001", "NNL002") or code.startswith("NNL9"):
        return "no probe observes it"
    return None


class Confirmer:
    """Confirmation statuses for the findings of one file, from that file's probe outcome."""

    def __init__(self, outcome: Optional[ModuleOutcome], module_key: str, min_ratio: float,
                 unavailable: Optional[str] = None) -> None:
        self.outcome, self.module_key, self.min_ratio = outcome, module_key, min_ratio
        self.unavailable = unavailable

    def confirm(self, diagnostic: Diagnostic) -> Confirmation:
        reason = _unprobed_reason(diagnostic.code)
        if reason:
            return Confirmation(NOT_CHECKED, reason)
        if self.unavailable or self.outcome is None:
            return Confirmation(NOT_CHECKED, self.unavailable or "the file was not probed")
        if self.outcome.error and not self.outcome.candidates:
            return Confirmation(NOT_CHECKED, f"the module could not be loaded: {self.outcome.error}")
        scope = scope_of(diagnostic.start.line, self.outcome)
        if diagnostic.code == "NNL502" and not scope.models:
            # The evaluation code runs a model of this file it names by a variable; every
            # model of the file is judged (the static rule found dropout or batch-norm in it).
            scope = Scope([model for model in all_models(self.outcome)], None, None)
        if not scope.models:
            failed = self._failed_top_level(diagnostic.start.line)
            return Confirmation(NOT_CHECKED, failed or (
                f"line {diagnostic.start.line} is not inside a model class, builder function or "
                "module-level model that the probes can build"))
        if (diagnostic.code in _OUTPUT_CODES | _NUMERIC_CODES and scope.method not in _RUN_METHODS
                and not scope.method_ran and any(model.ok for model in scope.models)):
            owner = scope.owner["name"] if scope.owner else "?"
            return Confirmation(NOT_CHECKED, f"line {diagnostic.start.line} is in {owner}.{scope.method}, "
                                             "which forward does not call, so the probes do not run it")
        return self._judge(diagnostic.code, scope, diagnostic.start.line)

    def _failed_top_level(self, line: int) -> Optional[str]:
        for failure in self.outcome.failures if self.outcome else ():
            if failure["line"] == line:
                return f"line {line} raised {failure['error']} when the module was loaded"
        return None

    def _judge(self, code: str, scope: Scope, line: int = 0) -> Confirmation:
        file_name = os.path.basename(self.outcome.path) if self.outcome else ""
        verdicts: list[tuple[str, str]] = []
        for model in scope.models:
            if not model.ok:
                continue
            verdict = _verdict_for(code, model.report, self.min_ratio, line)
            if verdict is not None:
                verdicts.append((verdict[0], f"{verdict[1]} in {model.label(file_name)}"))
        for status in (CONFIRMED, NOT_CONFIRMED):
            for verdict in verdicts:
                if verdict[0] == status:
                    return Confirmation(status, _with_input(verdict[1], scope, status))
        failed = [model for model in scope.models if not model.ok]
        if failed:
            return Confirmation(NOT_CHECKED, failure_text(failed[0], self.module_key))
        return Confirmation(NOT_CHECKED, "no probe result applies to this finding")


def _with_input(text: str, scope: Scope, status: str) -> str:
    for model in scope.models:
        if model.ok and model.report.get("input") and status != CONFIRMED:
            return f"{text}; input {model.report['input']}"
    return text

