"""What `nnlint probe FILE:Model` does, apart from parsing options: build the request, run
the child, word the report. Returns the text and the exit status for the CLI."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any, Mapping, Optional, Sequence

from nnlint.dynamic.findings import shape_message
from nnlint.dynamic.isolation import run_module
from nnlint.dynamic.model_index import ProbedModel, failure_text
from nnlint.dynamic.progress import Progress
from nnlint.dynamic.probe_report import plot_learning_curve, render_probe_report
from nnlint.dynamic.session import build_request, module_key, specs_for
from nnlint.dynamic.settings import DynamicSettings, DynamicSettingsError, ModelSpec, parse_shape


class ProbeError(Exception):
    """Why the probe could not report on the model; the message is for the user."""


class ShapeMismatchFound(Exception):
    """The model's forward fails on a shape mismatch (NNL907): the report is that finding
    (printed on stdout, exit status 1), as no other probe can run."""


def parse_target(target: str) -> tuple[str, str]:
    path, _, name = target.rpartition(":")
    if not path or not name:
        raise ProbeError(f"give the model as FILE:Name (e.g. src/model.py:Net), not {target!r}")
    if not os.path.isfile(path):
        raise ProbeError(f"file not found: {path}")
    return path, name


def parse_input(text: str) -> tuple[int, ...]:
    try:
        sizes = [int(part) for part in text.replace("x", ",").split(",") if part.strip()]
        return parse_shape(sizes, "--input", "the command line")
    except (ValueError, DynamicSettingsError):
        raise ProbeError(f"--input must be a shape like 4,3,32,32, not {text!r}") from None


def parse_json_option(text: str, option: str, kind: type) -> Any:
    """The JSON value of `--args` (a list) or `--kwargs` (an object)."""
    try:
        value = json.loads(text)
    except ValueError as error:
        raise ProbeError(f"{option} is not valid JSON ({error}): {text!r}") from None
    if not isinstance(value, kind):
        example = "'[784, 10]'" if kind is list else "'{\"hidden\": 64}'"
        what = "list" if kind is list else "object"
        raise ProbeError(f"{option} must be a JSON {what}, e.g. {option} {example}, not {text!r}")
    return value


def _failure(model: ProbedModel, key: str) -> str:
    text = failure_text(model, key)
    if model.report.get("status") == "needs-arguments":
        text += " or on the command line: --args '[...]' and/or --kwargs '{...}' (JSON)"
    return text


def run_probe(target: str, inputs: Sequence[str], dtype: Optional[str], classes: Optional[int],
              settings: DynamicSettings, root: str, rule_options: Mapping[str, Mapping[str, Any]],
              plot: Optional[str] = None, args: Optional[str] = None, kwargs: Optional[str] = None,
              report_dir: Optional[str] = None) -> str:
    """The report for one model; ProbeError when it cannot be built or probed. `args` and
    `kwargs` are JSON texts; like `inputs`, they replace what the config gives."""
    path, name = parse_target(target)
    spec = specs_for(path, settings, root).get(name, ModelSpec())
    if args is not None:
        spec = dataclasses.replace(spec, args=tuple(parse_json_option(args, "--args", list)))
    if kwargs is not None:
        spec = dataclasses.replace(spec, kwargs=parse_json_option(kwargs, "--kwargs", dict))
    if inputs:
        spec = dataclasses.replace(spec, inputs=tuple(parse_input(text) for text in inputs))
    if dtype:
        spec = dataclasses.replace(spec, dtype=dtype)
    if classes:
        spec = dataclasses.replace(spec, classes=classes)
    request = build_request(path, settings, root, rule_options, only=[name], learning_curve=True,
                            extra_specs={name: spec})
    with Progress(f"probing {target}"):
        outcome = run_module(request, settings.timeout, settings.memory_mb)
    candidate = next((c for c in outcome.candidates if c["name"] == name), None)
    if candidate is None:
        if outcome.error:
            raise ProbeError(f"{path} could not be loaded: {outcome.error}")
        found = ", ".join(c["name"] for c in outcome.candidates) or "none"
        raise ProbeError(f"no model named {name!r} in {path} (models found: {found})")
    report = outcome.reports.get(name, {"status": "not-run", "detail": "it was not probed"})
    if report.get("status") == "shape-mismatch":
        line = report.get("line") or candidate["start"]
        raise ShapeMismatchFound(f"nnlint probe {target}: the forward pass fails\n"
                                 f"  {path}:{line}: NNL907 {shape_message(report)}\n")
    if report.get("status") != "ok":
        model = ProbedModel(name, candidate["kind"], candidate["start"], candidate["end"], report)
        raise ProbeError(_failure(model, module_key(path, root)))
    text = render_probe_report(target, report)
    curve = report.get("probes", {}).get("learning_curve")
    if plot and curve:
        problem = plot_learning_curve(curve, plot, f"{name}: learning curve")
        if problem:
            raise ProbeError(problem)
        text += f"\nlearning curve written to {plot}\n"
    if report_dir is not None:
        from nnlint.dynamic.report_folder import ProbedEntry, ReportFolderError, write_report_folder

        try:
            write_report_folder([ProbedEntry(target, report)], report_dir)
        except ReportFolderError as error:
            raise ProbeError(str(error)) from None
        text += f"\npictures written to {os.path.join(report_dir, 'index.html')}\n"
    return text
