"""`check --dynamic`: probe every file's models in child processes, then attach a
confirmation status to each static finding and add the NNL9xx findings.

Runs in the parent process and never imports torch.
"""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import ThreadPoolExecutor
from typing import AbstractSet, Any, Callable, Mapping, Optional, Sequence

from nnlint.diagnostic import Diagnostic
from nnlint.dynamic import stopping
from nnlint.dynamic.confirmation import Confirmer
from nnlint.dynamic.findings import dynamic_findings
from nnlint.dynamic.isolation import ModuleOutcome, run_module
from nnlint.dynamic.progress import Progress
from nnlint.dynamic.settings import DynamicSettings, ModelSpec
from nnlint.notebook import is_notebook
from nnlint.parse import MAX_SOURCE_BYTES
from nnlint.reading import Unreadable, read_bounded
from nnlint.suppress import drop_suppressed

# Two children at a time: each holds torch (a few hundred MB) and one thread.
MAX_PARALLEL = 2
# A model is a class (of any base: BertPreTrainedModel, LightningModule) or a Sequential.
_MODEL_MARKERS = (b"class ", b"Module", b"Sequential")


def module_key(path: str, root: str) -> str:
    """`pkg.module` for `root/pkg/module.py`: how [tool.nnlint.dynamic.models] names it."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, root)
    if relative.startswith(".."):
        relative = os.path.basename(absolute)
    stem = relative[:-3] if relative.endswith(".py") else relative
    return stem.replace(os.sep, ".").replace("/", ".")


def specs_for(path: str, settings: DynamicSettings, root: str) -> dict[str, ModelSpec]:
    """The configured specs of models defined in `path`, by model name."""
    key = module_key(path, root)
    found = {}
    for name, spec in settings.models.items():
        module, _, model = name.rpartition(":")
        if module.endswith(".py"):
            matches = os.path.abspath(os.path.join(root, module)) == os.path.abspath(path)
        else:
            matches = key == module or key.endswith("." + module)
        if matches:
            found[model] = spec
    return found


def build_request(path: str, settings: DynamicSettings, root: str, rule_options: Mapping[str, Mapping[str, Any]],
                  *, only: Optional[list[str]] = None, learning_curve: bool = False,
                  extra_specs: Optional[Mapping[str, ModelSpec]] = None) -> dict[str, Any]:
    fit = rule_options.get("NNL904", {})
    specs = {**specs_for(path, settings, root), **(extra_specs or {})}
    return {
        "path": os.path.abspath(path),
        "threads": settings.threads,
        "timeout": settings.timeout,
        "memory_mb": settings.memory_mb,
        "models": {name: spec.as_request() for name, spec in specs.items()},
        "only": only,
        "options": {"fit_steps": fit.get("steps", 100), "fit_lr": fit.get("learning-rate", 1e-3),
                    "learning_curve": learning_curve},
    }


def _probe_worthy(path: str) -> bool:
    if is_notebook(path):  # its cells are not a module the child process could import
        return False
    try:
        data = read_bounded(path, MAX_SOURCE_BYTES)  # a FIFO or device named .py must not block
    except Unreadable:
        return False
    return b"torch" in data and any(marker in data for marker in _MODEL_MARKERS)


def probe_files(paths: Sequence[str], settings: DynamicSettings, root: str,
                rule_options: Mapping[str, Mapping[str, Any]], learning_curve: bool = False
                ) -> dict[str, ModuleOutcome]:
    """One outcome per file that defines models, run at most MAX_PARALLEL at a time."""
    worthy = [path for path in dict.fromkeys(paths) if _probe_worthy(path)]
    progress = Progress("dynamic mode: probing the models of", len(worthy))
    outcomes: dict[str, ModuleOutcome] = {}

    def run(path: str) -> tuple[str, ModuleOutcome]:
        request = build_request(path, settings, root, rule_options, learning_curve=learning_curve)
        return path, run_module(request, settings.timeout, settings.memory_mb)

    finished = False
    try:
        with stopping.supervised():
            pool = ThreadPoolExecutor(max_workers=MAX_PARALLEL)
            try:
                for path, outcome in pool.map(run, worthy):
                    outcomes[path] = outcome
                    progress.step()
            finally:
                # After Ctrl-C the files not started yet are not started; the running ones
                # end at once, their children being killed.
                pool.shutdown(wait=True, cancel_futures=True)
        finished = True
    finally:
        progress.close(finished)
    return outcomes


def _lines(path: str) -> list[str]:
    try:
        return read_bounded(path, MAX_SOURCE_BYTES).decode("utf-8", errors="replace").splitlines()
    except Unreadable:
        return []


def add_dynamic_results(diagnostics: Sequence[Diagnostic], paths: Sequence[str], settings: DynamicSettings,
                        root: str, rule_options: Mapping[str, Mapping[str, Any]],
                        enabled_codes: Callable[[str], AbstractSet[str]], *, from_stdin: bool = False,
                        report_dir: Optional[str] = None) -> list[Diagnostic]:
    """`diagnostics` with a confirmation on each, plus the enabled NNL9xx findings, grouped
    by file in the order the files came and sorted within a file. With `report_dir`, the
    learning curve is run too and both experiments are drawn there (ReportFolderError)."""
    outcomes = {} if from_stdin else probe_files(paths, settings, root, rule_options,
                                                 learning_curve=report_dir is not None)
    if report_dir is not None:
        from nnlint.dynamic.report_folder import entries_of, write_report_folder

        write_report_folder(entries_of(outcomes, root), report_dir)
    min_ratio = {"min-ratio": 1e-3, **rule_options.get("NNL905", {})}["min-ratio"]
    by_file: dict[str, list[Diagnostic]] = {}
    for path in paths:
        by_file.setdefault(path, [])
    for diagnostic in diagnostics:
        by_file.setdefault(diagnostic.path, []).append(diagnostic)
    result: list[Diagnostic] = []
    for path, found in by_file.items():
        outcome = outcomes.get(path)
        unavailable = "the source was read from stdin; dynamic mode needs a file" if from_stdin else None
        if outcome is None and not unavailable and is_notebook(path):
            unavailable = "dynamic mode does not run notebooks; move the model into a .py file to probe it"
        if outcome is None and not unavailable:
            unavailable = "the file defines no class and no nn.Sequential, so no model to build"
        confirmer = Confirmer(outcome, module_key(path, root), min_ratio, unavailable)
        confirmed = [dataclasses.replace(d, confirmation=confirmer.confirm(d)) for d in found]
        if outcome is not None:
            enabled = enabled_codes(path)
            extra = [d for d in dynamic_findings(outcome, path, _lines(path), rule_options) if d.code in enabled]
            confirmed += drop_suppressed(extra, _lines(path))
        result.extend(sorted(confirmed, key=Diagnostic.sort_key))
    return result
