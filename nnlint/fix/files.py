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
from nnlint.notebook import file_limit, is_notebook
from nnlint.parse import decode_source
from nnlint.reading import Unreadable, read_bounded
from nnlint.report.places import label

LintPath = Callable[[str, bytes], list[Diagnostic]]


@dataclass
class FixRun:
    """The outcome over all files: the findings that remain (fixed ones are gone), each
    changed file's result, and messages about files that could not be fixed."""

    diagnostics: list[Diagnostic]
    files: dict[str, FileFixes] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    # The run's findings of each file to fix, for a file whose fix is not written after all.
    unfixed: dict[str, list[Diagnostic]] = field(default_factory=dict)

    def not_written(self, path: str) -> None:
        """The fix of `path` was not written: its findings are the run's again, none fixed."""
        del self.files[path]
        self.diagnostics = sorted([d for d in self.diagnostics if d.path != path] + self.unfixed[path],
                                  key=Diagnostic.sort_key)

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
    run = FixRun(diagnostics=[d for d in diagnostics if d.path not in to_fix],
                 unfixed={path: [d for d in diagnostics if d.path == path] for path in to_fix})
    for path in to_fix:
        data = sources.get(path) if sources is not None else None
        if data is None:
            try:
                data = read_bounded(path, file_limit(path))
            except Unreadable as error:
                run.errors.append(f"cannot read {path} to fix it: {error.reason}")
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


class ChangedMeanwhile(Exception):
    """The file on disk is no longer the content the fix was made from."""


def _unchanged(target: str, expected: bytes) -> bool:
    try:
        return read_bounded(target, len(expected)) == expected
    except Unreadable:  # grown past it, replaced by something else, gone
        return False


def write_atomically(path: str, data: bytes, expected: Optional[bytes] = None) -> None:
    """Replace the file's content in one step: a crash leaves the old file or the new one,
    never half of each. The file keeps its permissions and owner; a symlink keeps pointing
    at it. With `expected`, raises `ChangedMeanwhile` instead when the file no longer holds
    it (another process saved it since it was read), checked just before the replace."""
    target = os.path.realpath(path)
    directory = os.path.dirname(target) or "."
    status = os.stat(target)
    # Renaming over a read-only file would succeed, and root may write any file: a file
    # that nobody may write was made read-only on purpose.
    if not status.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, "it is read-only", path)
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(target)}.",
                                             suffix=".nnlint")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        if hasattr(os, "chown") and (status.st_uid, status.st_gid) != _owner(temporary):
            # Only root can give the file back to its owner; a user who cannot must not
            # take someone else's file over by replacing it.
            os.chown(temporary, status.st_uid, status.st_gid)
        os.chmod(temporary, status.st_mode & 0o7777)
        # The last moment to look: an editor's save from here to the rename is still lost
        # (POSIX has no compare-and-rename), a window of microseconds instead of the run.
        if expected is not None and not _unchanged(target, expected):
            raise ChangedMeanwhile(path)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _owner(path: str) -> tuple[int, int]:
    status = os.stat(path)
    return status.st_uid, status.st_gid


def write_fixes(run: FixRun) -> list[str]:
    """Write every changed file that still holds what was read to fix it; returns error
    messages for those that were not written, whose findings `run` then reports unfixed."""
    errors = []
    for path, result in run.changed.items():
        try:
            write_atomically(path, result.fixed, expected=result.original)
            continue
        except ChangedMeanwhile:
            errors.append(f"not fixed: {path} changed while nnlint fixed it; run again")
        except OSError as error:
            errors.append(f"cannot write the fixed {path}: {error.strerror or error}")
        run.not_written(path)
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
