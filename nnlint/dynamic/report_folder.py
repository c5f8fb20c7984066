"""`--report-dir DIR`: the seed's two experiments as pictures, for every probed model.

For each model, DIR gets a picture of the one-item-per-class fit (the training loss step by
step, and which class each sample ended up predicted as) and of the learning curve (the final
training error on 1, 2, 4, ... 64 samples with random labels), and `index.html` shows them all
with one line of what each experiment found. Runs in the parent, from the children's reports;
matplotlib (the `plot` extra) draws, and is needed only here.
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

from nnlint.dynamic.isolation import ModuleOutcome
from nnlint.dynamic.model_index import ProbedModel, failure_text
from nnlint.dynamic.probe_report import fit_line, plot_learning_curve, pyplot, save_figure

PLOT_HINT = "--report-dir needs matplotlib (nnlint's `plot` extra): pip install matplotlib"
INDEX = "index.html"


class ReportFolderError(Exception):
    """The folder or a picture could not be written; the message is for the user."""


@dataclass(frozen=True)
class ProbedEntry:
    """One model: its label (`pkg.module:Net`) and the child's report on it."""

    label: str
    report: dict[str, Any]
    problem: str = ""  # why it has no results, when it has none


def entries_of(outcomes: Mapping[str, ModuleOutcome], root: str) -> list[ProbedEntry]:
    """Every model of `check --dynamic`'s files, in file order, labelled `pkg.module:Name`."""
    from nnlint.dynamic.session import module_key

    entries = []
    for path, outcome in outcomes.items():
        key = module_key(path, root)
        for candidate in outcome.candidates:
            report = outcome.reports.get(candidate["name"]) or {"status": "not-run", "detail": "it was not probed"}
            model = ProbedModel(candidate["name"], candidate["kind"], candidate["start"], candidate["end"], report)
            entries.append(ProbedEntry(f"{key}:{model.name}", report, "" if model.ok else failure_text(model, key)))
    return entries


def plotting_available() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def prepare(directory: str) -> None:
    """Create the folder before any model runs, so a path that cannot be used fails at once."""
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise ReportFolderError(f"--report-dir {directory} exists and is not a folder")
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as error:
        raise ReportFolderError(f"cannot create --report-dir {directory}: {error.strerror or error}") from None


def plot_fit(fit: dict[str, Any], path: str, title: str) -> Optional[str]:
    """The one-item-per-class fit: loss per step, and each class's sample as predicted after it."""
    plt = pyplot()
    losses = [value for value in fit.get("losses", []) if value is not None]
    classes, predicted = fit.get("classes", 0), fit.get("predicted", [])
    figure, (curve, bars) = plt.subplots(1, 2, figsize=(9, 3.5))
    curve.plot(range(1, len(losses) + 1), losses)
    if losses and min(losses) > 0 and max(losses) > 10 * min(losses):
        curve.set_yscale("log")
    curve.set_xlabel("training step (Adam)")
    curve.set_ylabel("cross-entropy loss")
    curve.set_title(f"one sample per class, {classes} samples")
    learned = [index < len(predicted) and predicted[index] == index for index in range(classes)]
    bars.bar(range(classes), [1] * classes, color=["tab:green" if ok else "tab:red" for ok in learned])
    for index in range(min(classes, len(predicted))):
        bars.text(index, 0.5, str(predicted[index]), ha="center", va="center", color="white")
    bars.set_xticks(range(classes))
    bars.set_yticks([])
    bars.set_xlabel("class of the sample (in the bar: the class predicted)")
    bars.set_title(f"learned {sum(learned)} of {classes} (red: not learned)")
    figure.suptitle(title)
    figure.tight_layout()
    return save_figure(plt, figure, path)


def _file_stem(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label)


def _curve_line(curve: list[dict[str, Any]]) -> str:
    points = [f"{point['samples']}: {'n/a' if point['error'] is None else format(point['error'], '.2f')}"
              for point in curve]
    return "final training error by number of samples (random labels): " + ", ".join(points)


def write_report_folder(entries: Sequence[ProbedEntry], directory: str) -> list[str]:
    """Write the pictures and index.html into `directory`; the names of the files written."""
    prepare(directory)
    written: list[str] = []
    sections: list[str] = []
    for entry in entries:
        label, report = html.escape(entry.label), entry.report
        parts = [f"<h2>{label}</h2>"]
        if report.get("status") != "ok":
            detail = entry.problem or report.get("detail", "")
            parts.append(f'<p class="problem">not probed ({html.escape(str(report.get("status")))}): '
                         f"{html.escape(str(detail))}</p>")
            sections.append("\n".join(parts))
            continue
        parts.append(f"<p>input: {html.escape(str(report.get('input', '?')))}; classes: "
                     f"{html.escape(str(report.get('classes') or 'unknown'))}</p>")
        probes = report.get("probes", {})
        fit = probes.get("fit", {})
        parts.append(f"<p>one item per class: {html.escape(fit_line(fit))}</p>")
        stem = _file_stem(entry.label)
        pictures = []
        if fit.get("checked"):
            name = f"{stem}-fit.png"
            problem = plot_fit(fit, os.path.join(directory, name), f"{entry.label}: one item per class")
            if problem:
                raise ReportFolderError(problem)
            written.append(name)
            pictures.append((name, "one item per class: training loss and predicted classes"))
        curve = probes.get("learning_curve")
        if curve:
            name = f"{stem}-learning-curve.png"
            problem = plot_learning_curve(curve, os.path.join(directory, name), f"{entry.label}: learning curve")
            if problem:
                raise ReportFolderError(problem)
            written.append(name)
            pictures.append((name, "learning curve"))
            parts.append(f"<p>learning curve: {html.escape(_curve_line(curve))}</p>")
        elif not fit.get("checked"):
            parts.append("<p>learning curve: not drawn (no class count for this model; give `classes`)</p>")
        parts += [f'<img src="{html.escape(name)}" alt="{html.escape(alt)}">' for name, alt in pictures]
        sections.append("\n".join(parts))
    page = ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<title>nnlint: one item per class and learning curves</title>\n"
            "<style>body{font-family:sans-serif;max-width:64em;margin:1em auto;padding:0 1em}"
            "img{max-width:100%;display:block;margin:.5em 0}.problem{color:#a00}</style>\n</head>\n<body>\n"
            "<h1>nnlint: the seed's two experiments</h1>\n"
            "<p><b>One item per class</b>: a copy of each model trained on one random sample per class; a "
            "healthy model learns them all, one that cannot has a bug (training, data type, model, "
            "initialization). <b>Learning curve</b>: fresh copies trained on 1, 2, 4, ... 64 samples with "
            "random labels; the training error should stay near 0 for tiny sets and rise at the model's "
            "capacity.</p>\n"
            + ("\n".join(sections) or "<p>No model was probed.</p>") + "\n</body>\n</html>\n")
    try:
        with open(os.path.join(directory, INDEX), "w", encoding="utf-8") as handle:
            handle.write(page)
    except OSError as error:
        raise ReportFolderError(f"cannot write {os.path.join(directory, INDEX)}: {error.strerror or error}") from None
    written.append(INDEX)
    return written
