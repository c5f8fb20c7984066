"""Paths on the command line -> the Python files and notebooks to lint, in a stable order.

Excludes and `.gitignore` files use gitignore pattern syntax (pathspec). Paths are kept as
the user wrote them (`examples/x.py` stays relative) because that is how findings are
reported and how editors and CI annotations find the file again.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Optional, Sequence

import pathspec

from nnlint.reading import Unreadable, read_bounded

if TYPE_CHECKING:
    from nnlint.config import Config

# ruff's defaults, plus caches that never hold source worth linting.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints", ".mypy_cache", ".nox",
    ".pants.d", ".pytype", ".ruff_cache", ".svn", ".tox", ".venv", "__pypackages__",
    "_build", "buck-out", "build", "dist", "node_modules", "site-packages", "venv",
    "__pycache__", ".nnlint_cache",
)

PYTHON_SUFFIX = ".py"
# git reads ignore files of any size; the largest real ones are a few hundred kB.
MAX_IGNORE_BYTES = 1_000_000
# Checked by default, as ruff does: the code cells of Jupyter notebooks (see nnlint/notebook.py).
SUFFIXES = (PYTHON_SUFFIX, ".ipynb")


def relative_posix(path: str, root: str) -> Optional[str]:
    """Absolute `path` relative to absolute `root`, `/`-separated; None when outside it."""
    try:
        inside = os.path.commonpath([path, root]) == root
    except ValueError:  # different drives on Windows
        return None
    return os.path.relpath(path, root).replace(os.sep, "/") if inside else None


class _Patterns:
    """Gitignore-style patterns anchored at directory `base`."""

    def __init__(self, base: str, lines: Sequence[str]) -> None:
        self.base = base
        # Blank lines and comments compile to patterns that decide nothing.
        self.patterns = [p for p in pathspec.GitIgnoreSpec.from_lines(list(lines)).patterns
                         if p.include is not None]

    def decision(self, path: str, is_dir: bool, basename_only: bool = False) -> Optional[bool]:
        """True: excluded; False: re-included by a `!pattern`; None: no pattern matches.

        `basename_only` is for paths outside `base`, and for paths under an explicitly
        named directory that these patterns exclude: there, only the entry's own name may
        exclude it, not its ancestors (which the user asked for by name).
        """
        relative = None if basename_only else relative_posix(path, self.base)
        if relative == ".":
            return None
        if relative is None:
            relative = os.path.basename(path)
        if is_dir:
            relative += "/"
        result: Optional[bool] = None
        for pattern in self.patterns:
            if pattern.match_file(relative) is not None:
                result = pattern.include
        return result


Warn = Callable[[str], None]


def _read_ignore_file(warn: Warn, directory: str, *names: str) -> Optional[_Patterns]:
    path = os.path.join(directory, *names)
    try:
        data = read_bounded(path, MAX_IGNORE_BYTES)
    except Unreadable as error:
        # Most directories have no .gitignore (and in a worktree, .git is a file).
        if error.errno not in (errno.ENOENT, errno.ENOTDIR):
            # As git does: say so and go on without its patterns, rather than stop the run.
            warn(f"{_shown(path)} not read ({error.reason}); its patterns do not apply")
        return None
    patterns = _Patterns(directory, data.decode("utf-8", "replace").splitlines())
    return patterns if patterns.patterns else None


def _shown(path: str) -> str:
    return relative_posix(path, os.getcwd()) or path


def _git_root(directory: str) -> Optional[str]:
    while True:
        if os.path.exists(os.path.join(directory, ".git")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _ancestor_ignores(warn: Warn, directory: str) -> list[_Patterns]:
    """The ignore files that apply to `directory` from above it, lowest priority first:
    `.git/info/exclude`, then each `.gitignore` from the repository root down."""
    root = _git_root(directory)
    if root is None:
        return []
    found = [_read_ignore_file(warn, root, ".git", "info", "exclude")]
    relative = relative_posix(directory, root) or "."
    current = root
    for part in [] if relative == "." else relative.split("/"):
        found.append(_read_ignore_file(warn, current, ".gitignore"))
        current = os.path.join(current, part)
    return [patterns for patterns in found if patterns is not None]


def _display_child(parent: str, name: str) -> str:
    return name if parent == os.curdir else os.path.join(parent, name)


@dataclass
class Discovery:
    """The files to lint, the named paths that do not exist or could not be read, and
    warnings (an ignore file that could not be read)."""

    files: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _Finder:
    def __init__(self, config: "Config") -> None:
        self.root = os.path.abspath(config.root)
        base_excludes = DEFAULT_EXCLUDE if config.exclude is None else config.exclude
        self.exclude = _Patterns(self.root, [*base_excludes, *config.extend_exclude])
        self.respect_gitignore = config.respect_gitignore
        self.found = Discovery()

    def walk(self, display: str, directory: str) -> None:
        ignores = _ancestor_ignores(self.warn, directory) if self.respect_gitignore else []
        named_yet_excluded = {
            id(patterns) for patterns in (self.exclude, *ignores) if patterns.decision(directory, True) is True
        }
        # An explicit stack, not recursion: a deep tree must not hit the recursion limit.
        stack = [(display, directory, ignores)]
        while stack:
            shown, current, ignores = stack.pop()
            try:
                with os.scandir(current) as scan:
                    entries = sorted(scan, key=lambda entry: entry.name)
            except OSError as error:
                self.found.errors.append(f"cannot read directory {shown}: {error.strerror or error}")
                continue
            if self.respect_gitignore:
                local = _read_ignore_file(self.warn, current, ".gitignore")
                ignores = [*ignores, local] if local else ignores
            for entry in entries:
                try:
                    # Directory symlinks are not followed: a link to an ancestor would loop.
                    is_dir = entry.is_dir(follow_symlinks=False)
                    is_file = not is_dir and entry.is_file()
                except OSError:
                    continue
                if not is_dir and not (is_file and entry.name.endswith(SUFFIXES)):
                    continue
                path = os.path.join(current, entry.name)
                if self._excluded(path, is_dir, ignores, named_yet_excluded):
                    continue
                if is_dir:
                    stack.append((_display_child(shown, entry.name), path, ignores))
                else:
                    self.found.files.append(_display_child(shown, entry.name))

    def warn(self, message: str) -> None:
        # Each named directory reads its ancestors' ignore files again: one warning each.
        if message not in self.found.warnings:
            self.found.warnings.append(message)

    def _excluded(self, path: str, is_dir: bool, ignores: list[_Patterns], basename_only: set[int]) -> bool:
        if self.exclude.decision(path, is_dir, id(self.exclude) in basename_only):
            return True
        verdict: Optional[bool] = None
        # Deeper ignore files come later and override shallower ones, as in git.
        for patterns in ignores:
            decided = patterns.decision(path, is_dir, id(patterns) in basename_only)
            if decided is not None:
                verdict = decided
        return bool(verdict)

    def force_excluded(self, path: str, is_dir: bool) -> bool:
        # The full path relative to the root is matched, so an excluded ancestor
        # (`build/` for `build/gen/x.py`) excludes it too.
        return bool(self.exclude.decision(os.path.abspath(path), is_dir))


def is_force_excluded(path: str, config: "Config") -> bool:
    """Whether `--force-exclude` drops `path` (a file the user or a hook named)."""
    return _Finder(config).force_excluded(path, os.path.isdir(path))


def _broken_link_reason(path: str) -> str:
    try:
        os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "symbolic link loop"
        return f"broken symbolic link ({error.strerror or error})"
    return "broken symbolic link"


def discover(paths: Sequence[str], config: "Config") -> Discovery:
    """The Python files under `paths`, sorted, each once.

    A named file is linted whatever its name or excludes, unless `config.force_exclude`
    and an exclude pattern matches it; a named directory is walked even if excluded
    (with the same exception), and excludes and `.gitignore` apply inside it.
    """
    finder = _Finder(config)
    for given in paths:
        display = os.path.normpath(given)
        if not os.path.exists(given):
            if os.path.lexists(given):
                finder.found.errors.append(f"cannot read {given}: {_broken_link_reason(given)}")
            else:
                finder.found.missing.append(given)
            continue
        # A named FIFO or device is linted as a file: reading it says what it is (NNL002).
        is_dir = os.path.isdir(given)
        if config.force_exclude and finder.force_excluded(given, is_dir):
            continue
        if is_dir:
            finder.walk(display, os.path.abspath(given))
        else:
            finder.found.files.append(display)
    found = finder.found
    # The same file named twice (`pkg pkg/a.py`, or through a link) is linted once, under
    # the name it was first reached by.
    seen: set[str] = set()
    unique: list[str] = []
    for path in found.files:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            unique.append(path)
    found.files = sorted(unique, key=lambda shown: shown.split(os.sep))
    return found
