"""Which lines changed since a git revision, for `nnlint check --diff-base REV`.

A review bot on a large legacy code base should only speak about what a pull request
touched. "Changed" means `git diff REV` against the working tree (staged and unstaged edits
alike), read with zero lines of context; a file git does not track counts as changed
everywhere, and a renamed file is known by its new path.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping, Optional, Sequence, Union

from nnlint.diagnostic import Diagnostic, Location
from nnlint.report.places import file_span

# Every line of a file: it is new to git, so the whole of it is the change.
EVERY_LINE = None

_HUNK = re.compile(rb"^@@ -(?P<old>\d+)(?:,(?P<old_count>\d+))? \+(?P<new>\d+)(?:,(?P<new_count>\d+))? @@")
_C_ESCAPES = {b"a": 7, b"b": 8, b"t": 9, b"n": 10, b"v": 11, b"f": 12, b"r": 13, b'"': 34, b"\\": 92}


class DiffBaseError(Exception):
    """The changed lines cannot be known (no git, not a repository, unknown revision)."""


class _GitFailed(DiffBaseError):
    """git ran and exited with an error."""


@dataclass(frozen=True)
class ChangedLines:
    """The lines changed since a revision, by path relative to the repository's top level.

    A path absent from `lines_by_path` is unchanged if git tracks it and changed on every
    line if it does not (an untracked file).
    """

    root: str
    lines_by_path: Mapping[str, Optional[frozenset[int]]]
    tracked: frozenset[str]

    def repository_path(self, path: str) -> Optional[str]:
        """`path` (as the user named it) relative to the repository, or None when outside it."""
        relative = os.path.relpath(os.path.realpath(path), self.root)
        if relative == os.pardir or relative.startswith(os.pardir + os.sep) or os.path.isabs(relative):
            return None
        return relative.replace(os.sep, "/")

    def touches(self, path: str, first_line: int, last_line: int) -> bool:
        """Whether any of the lines first_line..last_line of `path` changed."""
        key = self.repository_path(path)
        if key is None:
            return False
        if key not in self.lines_by_path:
            return key not in self.tracked
        lines = self.lines_by_path[key]
        if lines is EVERY_LINE:
            return True
        return any(line in lines for line in range(first_line, max(first_line, last_line) + 1))


def _git(root: str, arguments: Sequence[str]) -> bytes:
    command = ["git", "-C", root, *arguments]
    try:
        completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    except FileNotFoundError:
        raise DiffBaseError("--diff-base needs git, and no `git` command was found on PATH") from None
    except OSError as error:
        raise DiffBaseError(f"--diff-base could not run git: {error.strerror or error}") from None
    if completed.returncode != 0:
        said = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _GitFailed(f"git failed: {said[-1] if said else f'exit status {completed.returncode}'}")
    return completed.stdout


def _top_level(cwd: str) -> str:
    try:
        output = _git(cwd, ["rev-parse", "--show-toplevel"])
    except _GitFailed:
        raise DiffBaseError(
            f"--diff-base needs a git repository, and {os.path.abspath(cwd)} is not inside one"
        ) from None
    return os.path.realpath(os.fsdecode(output.rstrip(b"\n")))


def _verify_revision(root: str, revision: str) -> None:
    try:
        _git(root, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"])
    except _GitFailed:
        raise DiffBaseError(
            f"--diff-base: unknown revision {revision!r} (in a shallow clone, fetch it first, "
            f"e.g. `git fetch --depth=1 origin {revision}`)"
        ) from None


def _unquote(name: bytes) -> bytes:
    """A path as git prints it in a diff header: C-quoted when it holds special bytes."""
    if not (name.startswith(b'"') and name.endswith(b'"') and len(name) >= 2):
        return name
    body, result, index = name[1:-1], bytearray(), 0
    while index < len(body):
        byte = body[index:index + 1]
        if byte != b"\\":
            result += byte
            index += 1
            continue
        escape = body[index + 1:index + 2]
        if escape.isdigit():
            result.append(int(body[index + 1:index + 4], 8))
            index += 4
        else:
            result.append(_C_ESCAPES.get(escape, ord(escape or b"\\")))
            index += 2
    return bytes(result)


def _new_path(header: bytes) -> Optional[str]:
    """The path after `+++ ` in a diff header, None for a deleted file (/dev/null)."""
    name = header[4:]
    # git ends a name holding a space with a tab (quoted or not), so that its end is unambiguous;
    # a tab inside a name is always quoted, so a trailing one is never part of the name.
    name = _unquote(name[:-1] if name.endswith(b"\t") else name)
    if name == b"/dev/null" or not name.startswith(b"b/"):
        return None
    return os.fsdecode(name[2:])


def parse_diff(output: bytes) -> dict[str, frozenset[int]]:
    """Changed line numbers (of the new side) by path, from `git diff --unified=0`.

    A hunk that only deletes lines has no line of its own in the new file: it marks the
    lines on both sides of the gap, so that a finding about code around the deletion (a
    removed `model.eval()`, `zero_grad()`) counts as changed.
    """
    changed: dict[str, set[int]] = {}
    current: Optional[str] = None
    remaining_old = remaining_new = 0
    for line in output.split(b"\n"):
        if remaining_old or remaining_new:
            # Inside a hunk, a line starting with "+++" is an added line, not a header.
            if line.startswith(b"-") and remaining_old:
                remaining_old -= 1
            elif line.startswith(b"+") and remaining_new:
                remaining_new -= 1
            continue
        if line.startswith(b"+++ "):
            current = _new_path(line)
            if current is not None:
                changed.setdefault(current, set())
            continue
        match = _HUNK.match(line)
        if match is None or current is None:
            continue
        new_start = int(match.group("new"))
        new_count = int(match.group("new_count") or 1)
        remaining_old = int(match.group("old_count") or 1)
        remaining_new = new_count
        if new_count:
            changed[current].update(range(new_start, new_start + new_count))
        else:
            changed[current].update(line for line in (new_start, new_start + 1) if line >= 1)
    return {path: frozenset(lines) for path, lines in changed.items()}


def _nul_separated(output: bytes) -> Iterator[str]:
    return (os.fsdecode(item) for item in output.split(b"\0") if item)


def changed_lines(revision: str, cwd: Optional[str] = None) -> ChangedLines:
    """The lines changed between `revision` and the working tree of the repository around `cwd`."""
    root = _top_level(cwd or os.getcwd())
    _verify_revision(root, revision)
    diff = _git(root, [
        "-c", "core.quotePath=false", "diff", "--no-color", "--no-ext-diff", "--no-textconv",
        "--unified=0", "--find-renames", "--ignore-submodules", "--src-prefix=a/", "--dst-prefix=b/",
        "--end-of-options", revision, "--",
    ])
    tracked = frozenset(_nul_separated(_git(root, ["ls-files", "-z", "--full-name"])))
    return ChangedLines(root=root, lines_by_path=parse_diff(diff), tracked=tracked)


def keep_changed(diagnostics: Iterable[Diagnostic], changed: ChangedLines) -> list[Diagnostic]:
    """The findings with a line of their span, or of a related location, among the changed ones."""
    def touched(item: Union[Diagnostic, Location]) -> bool:
        # git's lines of a notebook are those of its JSON text.
        start, end = file_span(item)
        return changed.touches(item.path, start.line, end.line)

    return [diagnostic for diagnostic in diagnostics
            if touched(diagnostic) or any(touched(related) for related in diagnostic.related)]
