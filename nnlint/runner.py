"""Checking a set of files as one project: per-file results (cached, in parallel), then the
project join for the files that use what other project files define (models, base classes,
loss wrappers, training pipelines).

1. Each named file is checked on its own (`nnlint.lint.check_source`) in a process pool;
   the result holds its findings, its summary (exports) and the imported names it calls.
   Results come from the cache when the file, nnlint and the settings are unchanged.
2. For each file with such names, `nnlint.project.ProjectResolver` joins the summaries of
   the project files behind them — named or not: a pre-commit run naming only `train.py`
   still reads `models/net.py` (from the cache when it can) — and the file is checked again
   with what they define known (models, base classes, loss wrappers, training pipelines).
   Only its findings are reported; positions in other files come with their summaries.
"""

from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Optional, Union

from nnlint.analysis.program.exports import ModuleExports
from nnlint.analysis.facts import Origin
from nnlint.cache import Cache, entry_key, settings_fingerprint
from nnlint.catalogue.names import is_test_path
from nnlint.diagnostic import Diagnostic, Location, Position
from nnlint.lint import FileResult, RuleOptions, check_source, fact_needs, read_file, unreadable_result
from nnlint.parse import ParseFailure
from nnlint.project import ProjectResolver, display_path
from nnlint.rules import rules_by_code

# Below this many files a pool costs more than it saves (an editor or pre-commit run).
_POOL_THRESHOLD = 8


@dataclass
class RunResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Files nnlint itself failed on, with the error, reported on stderr by the CLI.
    internal_errors: list[tuple[str, str]] = field(default_factory=list)
    # Plugin rules that raised on a file (the plugin's bug, not nnlint's): file, message.
    rule_errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Task:
    label: str
    data: Optional[bytes]
    codes: frozenset[str]
    cache_directory: Optional[str]
    settings: str  # settings_fingerprint(codes, options), computed once per code set
    # The main process already found no cache entry: the worker only writes one.
    looked_up: bool = False
    # Under the project's tests folder or named as a test (catalogue.names.is_test_path).
    test_code: bool = False


def _task_size(task: _Task) -> int:
    """The bytes a task checks (0 when its file cannot be read: the worker reports that)."""
    if task.data is not None:
        return len(task.data)
    try:
        return os.stat(task.label).st_size
    except OSError:
        return 0


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class ProjectRun:
    def __init__(self, root: Path, codes_for: Callable[[str], frozenset[str]], options: RuleOptions,
                 cache: Optional[Cache], jobs: int) -> None:
        self.root = root
        self._codes_for = codes_for
        self._options = options
        self._cache = cache
        self._jobs = jobs
        self._results: dict[Path, FileResult] = {}
        self._labels: dict[Path, str] = {}
        self._fingerprints: dict[frozenset[str], str] = {}
        # The files whose exports a join consulted (None outside a join), and their digests.
        self._consulted: Optional[set[Path]] = None
        self._digests: dict[Path, str] = {}
        self._listings: dict[Path, tuple[str, ...]] = {}  # folder -> its entries (test suites)

    def check(self, files: list[tuple[str, Optional[bytes]]]) -> RunResult:
        run = RunResult()
        tasks = [self._task(label, data) for label, data in files]
        outcomes: list[Union[FileResult, str, None]] = [self._cached(task) for task in tasks]
        # Only what the cache did not have goes to the pool: a warm run with a few edited
        # files checks them here, without starting processes.
        missed = [index for index, outcome in enumerate(outcomes) if outcome is None]
        looked_up = [dataclasses.replace(tasks[index], looked_up=self._cache is not None) for index in missed]
        for index, outcome in zip(missed, self._map(looked_up)):
            outcomes[index] = outcome
        for task, outcome in zip(tasks, outcomes):
            if isinstance(outcome, str):
                run.internal_errors.append((task.label, outcome))
                continue
            run.rule_errors.extend((task.label, error) for error in outcome.rule_errors)
            path = _absolute(task.label)
            self._results[path] = outcome
            self._labels.setdefault(path, task.label)
        resolver = ProjectResolver(self.root, self._exports_of)
        for task in tasks:
            path = _absolute(task.label)
            result = self._results.get(path)
            if result is None:
                continue
            if _may_join(result):
                try:
                    result = self._check_joined(task, path, result, resolver)
                except Exception as error:  # noqa: BLE001 - the file's own findings still count
                    run.internal_errors.append((task.label, f"{type(error).__name__}: {error}"))
            run.diagnostics.extend(result.diagnostics)
        run.diagnostics.sort(key=Diagnostic.sort_key)
        return run

    def recheck(self, label: str, data: bytes) -> list[Diagnostic]:
        """The findings of new content for one file of this run (after `--fix` changed it),
        joined with the project like `check` does, so that cross-file findings stay."""
        task = self._task(label, data)
        outcome = _check_task(task, self._options)
        if isinstance(outcome, str):
            raise RuntimeError(outcome)
        if _may_join(outcome):
            resolver = ProjectResolver(self.root, self._exports_of)
            outcome = self._check_joined(task, _absolute(label), outcome, resolver)
        return sorted(outcome.diagnostics, key=Diagnostic.sort_key)

    # ----------------------------------------------------------- phase 1

    def _task(self, label: str, data: Optional[bytes]) -> _Task:
        codes = self._codes_for(label)
        directory = os.fspath(self._cache.directory) if self._cache is not None else None
        test_code = self._is_test_code(label)
        # The verdict changes the findings, so it is part of what a cache entry is keyed on.
        settings = self._settings(codes) + (":test-code" if test_code else "")
        return _Task(label, data, codes, directory, settings, test_code=test_code)

    def _is_test_code(self, label: str) -> bool:
        """Test code by the file's path below the project root (folders above it do not count)
        and by what its folder holds (a test suite's `__init__.py`, `conftest.py`, test files)."""
        path = _absolute(label)
        try:
            parts = path.relative_to(self.root.resolve()).parts
        except ValueError:
            parts = (path.name,)
        return is_test_path(parts, self._folder_names(path.parent))

    def _folder_names(self, folder: Path) -> tuple[str, ...]:
        if folder not in self._listings:
            try:
                self._listings[folder] = tuple(sorted(entry.name for entry in os.scandir(folder)))
            except OSError:
                self._listings[folder] = ()
        return self._listings[folder]

    def _cached(self, task: _Task) -> Optional[FileResult]:
        if self._cache is None:
            return None
        data = task.data if task.data is not None else read_file(task.label)
        if isinstance(data, ParseFailure):
            return None
        cached = self._cache.get(entry_key(data, task.settings))
        return _relabelled(cached, task.label) if cached is not None else None

    def _settings(self, codes: frozenset[str]) -> str:
        if codes not in self._fingerprints:
            self._fingerprints[codes] = settings_fingerprint(codes, self._options)
        return self._fingerprints[codes]

    def _map(self, tasks: list[_Task]) -> list[Union[FileResult, str]]:
        if self._jobs <= 1 or len(tasks) < _POOL_THRESHOLD:
            return [_check_task(task, self._options) for task in tasks]
        # Largest files first, a few at a time: a file's cost grows with its size, and a big
        # file handed out last (in a chunk of path order) kept one process busy while the others
        # had finished. Results come back in the tasks' order.
        order = sorted(range(len(tasks)), key=lambda index: -_task_size(tasks[index]))
        chunk = max(1, min(4, len(tasks) // (self._jobs * 16)))
        try:
            with ProcessPoolExecutor(self._jobs, mp_context=_pool_context()) as pool:
                checked = pool.map(_check_task, [tasks[index] for index in order],
                                   [self._options] * len(tasks), chunksize=chunk)
                results: list[Union[FileResult, str]] = [""] * len(tasks)
                for index, result in zip(order, checked):
                    results[index] = result
                return results
        except BrokenProcessPool:
            # A worker died (a parser crash on some file): find which, one file per process,
            # so that the others' results still arrive.
            return [_check_isolated(task, self._options) for task in tasks]

    def _exports_of(self, path: Path) -> Optional[ModuleExports]:
        """A project file's exports: from this run, else checked now (cached) though not
        reported, so that a run naming one file still links it to the rest."""
        path = path.resolve()
        if self._consulted is not None:
            self._consulted.add(path)
        if path not in self._results:
            label = display_path(path)
            outcome = _check_task(self._task(label, None), self._options)
            self._results[path] = outcome if isinstance(outcome, FileResult) else FileResult([])
        return self._results[path].exports

    # ----------------------------------------------------------- phase 2

    def _check_joined(self, task: _Task, path: Path, result: FileResult, resolver: ProjectResolver) -> FileResult:
        self._consulted = set()
        try:
            externals = resolver.externals(path, result.imported_models) if result.has_losses else {}
            modes = resolver.modes(path, result.imported_models) if result.evaluates else {}
            joined: dict = {}
            losses = resolver.losses(path, result.imported_models)
            if losses:
                joined["losses"] = losses
            imports = result.exports.imports if result.exports is not None else {}
            pipelines = resolver.pipelines(path, imports) if result.evaluates and imports else []
            if pipelines:
                joined["pipelines"] = pipelines
            constructions = resolver.constructions(path, imports) if result.trains_with_imports else {}
            if constructions:
                joined["constructions"] = constructions
            init_functions = resolver.init_functions(path, imports) if result.applies_imports else {}
            if init_functions:
                joined["init_functions"] = init_functions
            bases = resolver.bases(path, result.exports) if result.exports is not None else {}
            if bases and _bases_matter(result.exports, bases, self._needs(task.codes)):
                joined["bases"] = bases
        finally:
            linked, self._consulted = self._consulted, None
        # A model without dropout/batch-norm changes nothing the file's own check missed.
        if not externals and not any(modes.values()) and not joined:
            return result
        data = task.data if task.data is not None else read_file(task.label)
        if isinstance(data, ParseFailure):
            return result
        # The linked files' bytes too: a finding names the line of the other file's model,
        # which moves when lines are added above it though what the model returns does not.
        key = entry_key(data, task.settings, {"externals": externals, "modes": modes, "joined": joined,
                                              "cwd": os.getcwd(),
                                              "linked": {os.fspath(p): self._digest(p) for p in sorted(linked)}})
        cached = self._cache.get(key) if self._cache is not None else None
        if cached is not None:
            return _relabelled(cached, task.label)
        checked = check_source(data, task.label, task.codes, self._options, externals, self._locate, modes,
                               test_code=task.test_code, joined=joined)
        if self._cache is not None:
            self._cache.put(key, checked)
        return dataclasses.replace(result, diagnostics=checked.diagnostics)

    def _needs(self, codes: frozenset[str]) -> Optional[frozenset[str]]:
        by_code = rules_by_code()
        return fact_needs([by_code[code] for code in codes if code in by_code])

    def _digest(self, path: Path) -> str:
        if path not in self._digests:
            data = read_file(os.fspath(path))
            self._digests[path] = hashlib.sha256(data).hexdigest() if isinstance(data, bytes) else "unreadable"
        return self._digests[path]

    def _locate(self, origin: Origin) -> Optional[Location]:
        """Where an operation of another file is: its position came with that file's summary
        (nnlint.analysis.program.exports.ModuleExports.place), so nothing is parsed again."""
        if origin.position is None:
            return None
        line, column, end_line, end_column = origin.position
        path = Path(origin.path)
        return Location(self._labels.get(path.resolve(), display_path(path)),
                        Position(line, column), Position(end_line, end_column))


def _may_join(result: FileResult) -> bool:
    """Whether another file's summary can change this file's findings: it calls imported
    project names (models, loss wrappers) where losses or evaluation are, it evaluates and
    imports from project files (their training pipelines), it steps an optimizer or scheduler
    and imports from project files (factories of them), or one of its classes derives
    from a class of another project file (every rule family reads what that base is)."""
    if result.exports is None:
        return False
    exports = result.exports
    return bool(result.imported_models) or (result.evaluates and bool(exports.imports)) or \
        result.trains_with_imports or result.applies_imports or any(
        base not in exports.classes for cls in exports.classes.values() for base in cls.get("bases", ()))


def _bases_matter(exports: ModuleExports, bases: Mapping[str, Mapping], needs: Optional[frozenset[str]]) -> bool:
    """Whether what the join knows of the file's base classes in other files can change a
    finding of the selected rules: a class this file alone did not take for a Module is one
    (every family), a base whose whole lineage is known lets the unused-layer check judge the
    subclass (`layer_usage`), inherited torch layers reach the layer sequences
    (`architecture`) and the class's layers that an initialization sets (`initialization`). Otherwise the file's own check stands and it is not checked again."""
    def needed(family: str) -> bool:
        return needs is None or family in needs

    for cls in exports.classes.values():
        infos = [bases[base] for base in cls.get("bases", ()) if base in bases]
        if not cls.get("module", True) and any(info.get("module") for info in infos):
            return True
        if needed("layer_usage") and any(info.get("closed") or info.get("forward") for info in infos):
            return True
        if (needed("architecture") or needed("initialization")) and any(info.get("torch_layers") for info in infos):
            return True
    return False


def _pool_context():
    # fork starts workers with nnlint already imported; elsewhere the platform's default.
    return multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None


def _check_isolated(task: _Task, options: Mapping) -> Union[FileResult, str]:
    try:
        with ProcessPoolExecutor(1, mp_context=_pool_context()) as pool:
            return pool.submit(_check_task, task, options).result()
    except BrokenProcessPool:
        return "the process checking this file died (a crash in the parser?)"


def _absolute(label: str) -> Path:
    return Path(label).resolve()


def _check_task(task: _Task, options: Mapping) -> Union[FileResult, str]:
    """One file, phase 1; an internal error comes back as text so that one file's crash does
    not lose the others' results (or the pool)."""
    try:
        data = task.data if task.data is not None else read_file(task.label)
        if isinstance(data, ParseFailure):
            return unreadable_result(data, task.label, task.codes)
        cache = Cache(Path(task.cache_directory)) if task.cache_directory else None
        key = entry_key(data, task.settings) if cache is not None else ""
        cached = cache.get(key) if cache is not None and not task.looked_up else None
        if cached is not None:
            return _relabelled(cached, task.label)
        result = check_source(data, task.label, task.codes, options, test_code=task.test_code)
        if cache is not None and not result.rule_errors:
            cache.put(key, result)
        return result
    except Exception as error:  # noqa: BLE001 - reported by the caller, the run goes on
        return f"{type(error).__name__}: {error}"


def _relabelled(result: FileResult, label: str) -> FileResult:
    """A cached result names the file as the run that stored it did (`./a.py`, `a.py`)."""
    stored = {diagnostic.path for diagnostic in result.diagnostics}
    if stored <= {label}:
        return result

    def relabel(diagnostic: Diagnostic) -> Diagnostic:
        old = diagnostic.path
        related = tuple(dataclasses.replace(item, path=label) if item.path == old else item
                        for item in diagnostic.related)
        return dataclasses.replace(diagnostic, path=label, related=related)

    return dataclasses.replace(result, diagnostics=[relabel(d) for d in result.diagnostics])
