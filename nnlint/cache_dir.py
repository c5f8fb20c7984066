"""Where the cache lives, and the rules that keep it from touching anything it does not own.

nnlint writes only inside a directory it created itself: one it made by renaming a fresh,
already tagged directory into place (so no other process ever sees it half made), holding
its `CACHEDIR.TAG` and nothing at the top but the names it writes. Any other existing
directory is never adopted. `NNLINT_CACHE_DIR` naming one (`.`, a data directory, `$HOME`)
gets the cache in a `.nnlint_cache` subdirectory of it instead, so the `.gitignore` of `*`
that keeps entries out of commits only ever hides nnlint's own files. A symbolic link
where the cache would be is refused (the run goes on without a cache): writing through it
would put files outside the project. `clean` removes nnlint's entries one by one, never
following a link, and a directory only when nnlint made it and it is empty afterwards.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from nnlint.project import is_project_root

CACHE_DIR_NAME = ".nnlint_cache"
CACHE_DIR_ENV = "NNLINT_CACHE_DIR"
TAG_NAME = "CACHEDIR.TAG"
_SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55"
TAG = (f"{_SIGNATURE}\n"
       "# This file is a cache directory tag created by nnlint.\n"
       "# For information about cache directory tags, see https://bford.info/cachedir/\n")
GITIGNORE = "# created by nnlint\n*\n"
# Top-level names of a cache directory; `v<N>` holds the entries of layout N.
_TOP_LEVEL = re.compile(r"CACHEDIR\.TAG|\.gitignore|v[0-9]+")
_SHARD = re.compile(r"[0-9a-f]{2}")
_ENTRY = re.compile(r"[0-9a-f]{64}\.json|\.tmp-[A-Za-z0-9_]+\.json")

_ABSENT, _OURS, _LINK, _NOT_DIRECTORY, _FOREIGN = "absent", "ours", "link", "not a directory", "foreign"


@dataclass(frozen=True)
class CacheLocation:
    """The directory entries go to, or why the run has no cache."""

    directory: Optional[Path]
    reason: Optional[str] = None  # set when `directory` is None

    @property
    def refusal(self) -> Optional[str]:
        """The warning `check` prints once, or None."""
        if self.reason is None:
            return None
        return (f"not using the cache: {self.reason}; checking without it. Remove it or set "
                f"{CACHE_DIR_ENV} to a directory that does not exist yet.")


def configured_directory(root: Path) -> tuple[Path, bool]:
    """`NNLINT_CACHE_DIR` (True: named by the user), else `.nnlint_cache` at the project root;
    outside any project (no pyproject.toml, setup.py, setup.cfg or .git above the files) in
    the working directory, as ruff does, rather than inside a folder of sources."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override), True
    return (root if is_project_root(root) else Path.cwd()) / CACHE_DIR_NAME, False


def locate(configured: Path, explicit: bool) -> CacheLocation:
    """Where the cache of `configured` goes; nothing is created yet."""
    state = _state(configured)
    if state == _FOREIGN and explicit:
        configured = configured / CACHE_DIR_NAME
        state = _state(configured)
    if state in (_ABSENT, _OURS):
        return CacheLocation(configured)
    if state == _LINK:
        reason = f"{configured} is a symbolic link (nnlint writes its cache only into a directory it created)"
    elif state == _NOT_DIRECTORY:
        reason = f"{configured} is not a directory"
    else:
        reason = f"{configured} exists and nnlint did not create it (it has no CACHEDIR.TAG of nnlint's)"
    return CacheLocation(None, reason)


def ensure(directory: Path) -> bool:
    """Make `directory` nnlint's cache if it does not exist yet; True when it is nnlint's
    (made now, by another nnlint process, or before). Any other state: no writes."""
    state = _state(directory)
    if state != _ABSENT:
        return state == _OURS
    directory.parent.mkdir(parents=True, exist_ok=True)
    fresh = tempfile.mkdtemp(prefix=_fresh_prefix(directory), dir=directory.parent)
    try:
        for name, text in ((TAG_NAME, TAG), (".gitignore", GITIGNORE)):
            with open(os.path.join(fresh, name), "x", encoding="utf-8") as handle:
                handle.write(text)
        os.rename(fresh, directory)  # atomic; fails when another process got there first
    except OSError:
        pass
    finally:
        if os.path.isdir(fresh):
            for name in (TAG_NAME, ".gitignore"):
                _unlink_quietly(os.path.join(fresh, name))
            _rmdir_quietly(fresh)
    return _state(directory) == _OURS


@dataclass
class Cleaned:
    removed: Optional[Path] = None  # the cache directory, when it was removed
    entries: int = 0
    kept: list[Path] = field(default_factory=list)  # files and links nnlint did not write


def clean(configured: Path, explicit: bool) -> Cleaned:
    """Remove the cache `locate` finds for `configured`: its entries, its tag, and the
    directory when nothing else is left. Raises ValueError for a location nnlint refuses.
    A directory an older nnlint planted its tag in (it adopted any `NNLINT_CACHE_DIR`) loses
    nnlint's files too, but stays."""
    location = locate(configured, explicit)
    if location.directory is None:
        raise ValueError(f"{location.reason}; not removed")
    cleaned = Cleaned()
    if explicit and location.directory != configured and _has_our_tag(configured):
        _remove_entries(configured, cleaned)
    if _state(location.directory) == _OURS:
        _remove_entries(location.directory, cleaned)
        if not cleaned.kept and _rmdir_quietly(location.directory):
            cleaned.removed = location.directory
    _remove_unfinished(location.directory)
    return cleaned


def _fresh_prefix(directory: Path) -> str:
    return f"{directory.name}.new-"


def _remove_unfinished(directory: Path) -> None:
    """Directories `ensure` was making when its process was killed: only nnlint's two files."""
    for sibling in _scan(directory.parent):
        if sibling.name.startswith(_fresh_prefix(directory)) and sibling.is_dir(follow_symlinks=False):
            path = Path(sibling.path)
            if _has_our_tag(path) and set(os.listdir(path)) <= {TAG_NAME, ".gitignore"}:
                if _small_regular_file(path / ".gitignore") == GITIGNORE:
                    _unlink_quietly(path / ".gitignore")
                _unlink_quietly(path / TAG_NAME)
            _rmdir_quietly(path)  # only when empty


# ------------------------------------------------------------------ checks


def _state(path: Path) -> str:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return _ABSENT
    except OSError:
        return _NOT_DIRECTORY
    if stat.S_ISLNK(mode):
        return _LINK
    if not stat.S_ISDIR(mode):
        return _NOT_DIRECTORY
    try:
        names = os.listdir(path)
    except OSError:
        return _FOREIGN
    if _has_our_tag(path) and all(_TOP_LEVEL.fullmatch(name) for name in names):
        return _OURS
    return _FOREIGN


def _has_our_tag(directory: Path) -> bool:
    text = _small_regular_file(directory / TAG_NAME)
    return text is not None and text.startswith(_SIGNATURE) and "nnlint" in text


def _small_regular_file(path: Path, limit: int = 4096) -> Optional[str]:
    """The text of a regular file (no link, FIFO or device: those could block or never end)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        return os.read(descriptor, limit).decode("utf-8", "replace")
    except OSError:
        return None
    finally:
        os.close(descriptor)


# ------------------------------------------------------------------ removal


def _remove_entries(directory: Path, cleaned: Cleaned) -> None:
    for layout in _scan(directory):
        if not (_TOP_LEVEL.fullmatch(layout.name) and layout.name.startswith("v")):
            continue
        if not layout.is_dir(follow_symlinks=False):
            cleaned.kept.append(Path(layout.path))
            continue
        for shard in _scan(Path(layout.path)):
            if not (_SHARD.fullmatch(shard.name) and shard.is_dir(follow_symlinks=False)):
                cleaned.kept.append(Path(shard.path))
                continue
            for entry in _scan(Path(shard.path)):
                if _ENTRY.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                    cleaned.entries += _unlink_quietly(entry.path)
                else:
                    cleaned.kept.append(Path(entry.path))
            _rmdir_quietly(shard.path)
        _rmdir_quietly(layout.path)
    if cleaned.kept:
        return  # tagged and ignored as long as something of it stays
    if _has_our_tag(directory):
        _unlink_quietly(directory / TAG_NAME)
    if _small_regular_file(directory / ".gitignore") == GITIGNORE:
        _unlink_quietly(directory / ".gitignore")


def _scan(directory: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(directory) as found:
            return sorted(found, key=lambda entry: entry.name)
    except OSError:
        return []


def _unlink_quietly(path) -> bool:
    try:
        os.unlink(path)
        return True
    except OSError:
        return False


def _rmdir_quietly(path) -> bool:
    """Removes `path` only when empty (rmdir never deletes contents)."""
    try:
        os.rmdir(path)
        return True
    except OSError:
        return False

