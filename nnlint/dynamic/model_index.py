"""Which probed models a line of a file belongs to, and how a failed model is explained.

The parent reads only what the child reported (line ranges of classes, their methods,
module-level instances and builder functions); it never imports the user's code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from nnlint.dynamic.isolation import ModuleOutcome


@dataclass
class ProbedModel:
    name: str
    kind: str
    start: int
    end: int
    report: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.report.get("status") == "ok"

    def label(self, file_name: str) -> str:
        built = f" built as {self.report['built_as']}" if self.report.get("built_as") else ""
        return f"{self.name} ({file_name}:{self.start}){built}"


@dataclass
class Scope:
    """The models a finding's line belongs to, the method it is in (if in a class), and
    whether a forward pass of one of those models ran that method."""

    models: list[ProbedModel]
    owner: Optional[dict[str, Any]]
    method: Optional[str]
    method_ran: bool = False


def _model(candidate: dict[str, Any], outcome: ModuleOutcome) -> ProbedModel:
    report = outcome.reports.get(candidate["name"]) or {"status": "not-run", "detail": "it was not probed"}
    return ProbedModel(candidate["name"], candidate["kind"], candidate["start"], candidate["end"], report)


def scope_of(line: int, outcome: ModuleOutcome) -> Scope:
    """The class or builder containing `line` (with the module-level instances of that class),
    else the file's module-level instances when `line` is a top-level statement."""
    for candidate in outcome.candidates:
        if candidate["kind"] in ("class", "builder") and candidate["start"] <= line <= candidate["end"]:
            models = [_model(candidate, outcome)]
            models += [_model(other, outcome) for other in outcome.candidates
                       if other is not candidate and (
                           (other["kind"] == "instance" and other.get("class_name") == candidate["name"])
                           or candidate["name"] in outcome.reports.get(other["name"], {}).get("module_classes", ()))]
            found = next(((name, first) for name, (first, last) in candidate.get("methods", {}).items()
                          if first <= line <= last), None)
            method, first = found if found else (None, None)
            ran = any(first in model.report.get("ran", ()) for model in models)
            return Scope(models, candidate, method, ran)
    for function in outcome.functions:
        if function["start"] <= line <= function["end"]:
            # A helper or loss function: judged on the models whose forward called it.
            callers = [_model(candidate, outcome) for candidate in outcome.candidates
                       if function["start"] in outcome.reports.get(candidate["name"], {}).get("ran", ())]
            if callers:
                return Scope(callers, None, function["name"], True)
    instances = [candidate for candidate in outcome.candidates if candidate["kind"] == "instance"]
    # `D_aux = nn.Sequential(..., nn.Softmax())`: the finding is about that model only.
    containing = [candidate for candidate in instances if candidate["start"] <= line <= candidate["end"]]
    return Scope([_model(candidate, outcome) for candidate in containing or instances], None, None)


def all_models(outcome: ModuleOutcome) -> list[ProbedModel]:
    """Every model of the file: its classes and builders, then its module-level instances."""
    return [_model(candidate, outcome) for candidate in sorted(outcome.candidates, key=lambda c: c["kind"] == "instance")]


def failure_text(model: ProbedModel, module_key: str) -> str:
    """Why `model` has no probe results, as the status detail says it."""
    status, detail = model.report.get("status"), model.report.get("detail", "")
    line = model.report.get("line")
    at = f" (line {line})" if line else ""
    if status == "needs-arguments":
        return (f"the constructor of {model.name} needs arguments ({detail}); give them in "
                f'[tool.nnlint.dynamic.models."{module_key}:{model.name}"]')
    if status == "import-error":
        return f"{model.name} could not be defined: {detail}"
    if status == "constructor-error":
        return f"constructing {model.name} raised {detail}{at}"
    if status == "shape-mismatch":
        return f"{model.name}'s forward fails on a shape mismatch (NNL907): {detail}{at}"
    if status == "no-input":
        return f"no input for {model.name}: {detail}"
    if status == "out-of-memory":
        return f"{model.name} ran out of memory: {detail}"
    if status in ("timeout", "crash"):
        return f"{model.name}: {detail}"
    if status == "not-a-model":
        return f"{detail}, not an nn.Module"
    return f"probing {model.name} failed: {detail}{at}"
