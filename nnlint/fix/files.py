"""Fixing the files of a run: which files to touch, reading, writing atomically, diffs.

The CLI hands over the findings of the run; only files with a fix that `--fix` enables
are read again and fixed, each from its current content (never from stale findings).
"""

from __future__ import annotations

import difflib
import errno
import os
import re
import tempfile
from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional, Sequence

from nnlint.diagnostic import Diagnostic
from nnlint.fix.loop import FileFixes, enabled, fix_source
from nnlint.notebook import is_notebook
from nnlint.parse import decode_source
from nnlint.report.places import label

LintPath = Callable[[str, bytes], list[Diagnostic]]


@dataclass
class FixRun:
    """The outcome over all files: the findings that remain (fixed ones are gone), each
    changed file's result, and messages about files that could not be fixed."""

    diagnostics: list[Diagnostic]
    files: dict[str, FileFixes] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def fixed_count(self) -> int:
        return sum(len(result.applied) for result in self.files.values())

    @property
    def changed(self) -> dict[str, FileFixes]:
        return {path: result for path, result in self.files.items() if result.changed}

    def notes(self) -> list[str]:
        """One line per fix that was skipped because its result would not parse."""
        return [
            f"{label(d)}: {d.code} fix not applied: the fixed file would not parse"
            for path, result in self.files.items()
            for d in result.unparsable
        ]


def fix_run(diagnostics: Sequence[Diagnostic], lint_path: LintPath, unsafe: bool,
            sources: Optional[Mapping[str, bytes]] = None) -> FixRun:
    """Fix every file that has a finding with an enabled fix. `sources` holds contents
    that are not on disk (stdin); other files are read again."""
    to_fix = sorted({d.path for d in diagnostics if enabled(d.fix, unsafe)})
    run = FixRun(diagnostics=[d for d in diagnostics if d.path not in to_fix])
    for path in to_fix:
        data = sources.get(path) if sources is not None else None
        if data is None:
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError as error:
                run.errors.append(f"cannot read {path} to fix it: {error.strerror or error}")
                run.diagnostics.extend(d for d in diagnostics if d.path == path)
                continue
        try:
            result = fix_source(data, lambda content, path=path: lint_path(path, content), unsafe,
                                notebook=is_notebook(path))
        except Exception as error:  # noqa: BLE001 - one file's crash must not stop the others
            run.errors.append(f"internal error while fixing {path}: {type(error).__name__}: {error} (please report)")
            run.diagnostics.extend(d for d in diagnostics if d.path == path)
            continue
        run.files[path] = result
        run.diagnostics.extend(result.remaining)
    run.diagnostics.sort(key=Diagnostic.sort_key)
    return run


def write_atomically(path: str, data: bytes) -> None:
    """Replace the file's content in one step: a crash leaves the old file or the new one,
    never half of each. The file keeps its permissions; a symlink keeps pointing at it."""
    target = os.path.realpath(path)
    directory = os.path.dirname(target) or "."
    mode = os.stat(target).st_mode
    # Renaming over a read-only file would succeed; the user made it read-only for a reason.
    if not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, "Permission denied", path)
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(target)}.",
                                             suffix=".nnlint")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, mode & 0o7777)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def write_fixes(run: FixRun) -> list[str]:
    """Write every changed file; returns error messages for those that could not be written."""
    errors = []
    for path, result in run.changed.items():
        try:
            write_atomically(path, result.fixed)
        except OSError as error:
            errors.append(f"cannot write the fixed {path}: {error.strerror or error}")
    return errors


# Lines as Python counts them: str.splitlines would also break at form feeds.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _lines(data: bytes) -> list[str]:
    text = decode_source(data)
    lines = _LINE.findall(text) if isinstance(text, str) else []
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def unified_diff(run: FixRun) -> str:
    """What `--fix` would change, as one unified diff over the changed files."""
    chunks = []
    for path, result in sorted(run.changed.items()):
        chunks.extend(difflib.unified_diff(_lines(result.original), _lines(result.fixed), path, path))
    return "".join(chunks)
