"""The incremental cache: what checking a file yielded, keyed by everything that decides it.

One JSON file per entry under `.nnlint_cache/` at the project root (or `NNLINT_CACHE_DIR`).
The key hashes the file's bytes, nnlint's version and the settings that affect the file
(its selected codes and rule options) and, for a file linked to other files' models, what
those models resolved to. Entries are written to a temporary file and renamed into place,
so a reader sees a whole entry or none, and two nnlint processes writing the same entry
both write the same bytes. An entry that does not decode, or whose stored key differs, is a
miss and gets rewritten. The cache is an optimisation only: any error reading or writing
it (read-only project, full disk) degrades to linting without it.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import shutil
import tempfile
import typing
from pathlib import Path
from typing import Any, Mapping, Optional

from nnlint import __version__
from nnlint.analysis.exports import ModuleExports
from nnlint.diagnostic import Diagnostic
from nnlint.lint import FileResult
from nnlint.project import is_project_root

CACHE_DIR_NAME = ".nnlint_cache"
CACHE_DIR_ENV = "NNLINT_CACHE_DIR"
# Bumped when the entry layout changes, beside the version (development builds keep theirs).
_SCHEMA = 3  # 3: notebooks (cells in findings; .ipynb was once cached as Python)
_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
        "# This file is a cache directory tag created by nnlint.\n"
        "# For information about cache directory tags, see https://bford.info/cachedir/\n")


def cache_directory(root: Path) -> Path:
    """`NNLINT_CACHE_DIR`, else `.nnlint_cache` at the project root; outside any project (no
    pyproject.toml, setup.py, setup.cfg or .git above the files) in the working directory, as
    ruff does, rather than inside a folder of sources."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    return (root if is_project_root(root) else Path.cwd()) / CACHE_DIR_NAME


def settings_fingerprint(codes: frozenset[str], options: Mapping[str, Mapping[str, Any]]) -> str:
    """What of the configuration decides one file's findings."""
    return json.dumps([sorted(codes), {code: dict(options[code]) for code in sorted(options)}],
                      sort_keys=True, default=str)


def entry_key(data: bytes, settings: str, externals: Optional[Mapping[str, Any]] = None) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps([_SCHEMA, __version__, settings], sort_keys=True).encode())
    digest.update(hashlib.sha256(data).digest())
    if externals:
        digest.update(json.dumps(externals, sort_keys=True).encode())
    return digest.hexdigest()


class Cache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._prepared = False

    def get(self, key: str) -> Optional[FileResult]:
        try:
            with open(self._entry(key), encoding="utf-8") as handle:
                stored = json.load(handle)
            if stored.get("key") != key:
                return None
            return _result_from_json(stored["result"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def put(self, key: str, result: FileResult) -> None:
        entry = self._entry(key)
        try:
            self._prepare()
            entry.parent.mkdir(parents=True, exist_ok=True)
            payload = json.dumps({"key": key, "result": _result_to_json(result)}, sort_keys=True)
            handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=entry.parent, prefix=".tmp-",
                                                 suffix=".json", delete=False)
            try:
                with handle:
                    handle.write(payload)
                os.replace(handle.name, entry)
            except BaseException:
                _remove_quietly(handle.name)
                raise
        except (OSError, TypeError, ValueError):
            return

    def _entry(self, key: str) -> Path:
        return self.directory / f"v{_SCHEMA}" / key[:2] / f"{key}.json"

    def _prepare(self) -> None:
        """CACHEDIR.TAG tells backup tools to skip the directory; `.gitignore` keeps it out
        of commits without the user editing theirs."""
        if self._prepared:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, text in (("CACHEDIR.TAG", _TAG), (".gitignore", "# created by nnlint\n*\n")):
            marker = self.directory / name
            if not marker.exists():
                marker.write_text(text, encoding="utf-8")
        self._prepared = True


def clean(directory: Path) -> bool:
    """Remove a cache directory nnlint made (it holds our CACHEDIR.TAG); False if there is
    none. Refuses any other directory, so a mistyped NNLINT_CACHE_DIR deletes nothing."""
    tag = directory / "CACHEDIR.TAG"
    if not directory.is_dir():
        return False
    if not tag.is_file() or "nnlint" not in tag.read_text(encoding="utf-8", errors="replace"):
        raise ValueError(f"{directory} is not an nnlint cache (no CACHEDIR.TAG written by nnlint); not removed")
    shutil.rmtree(directory)
    return True


def _remove_quietly(name: str) -> None:
    try:
        os.unlink(name)
    except OSError:
        pass


# ------------------------------------------------------------------ encoding


def _result_to_json(result: FileResult) -> dict[str, Any]:
    return {
        "diagnostics": [_to_json(diagnostic) for diagnostic in result.diagnostics],
        "exports": result.exports.to_json() if result.exports is not None else None,
        "imported_models": list(result.imported_models),
        "has_losses": result.has_losses,
        "evaluates": result.evaluates,
    }


def _result_from_json(data: dict[str, Any]) -> FileResult:
    exports = data["exports"]
    return FileResult(
        [_from_json(Diagnostic, item) for item in data["diagnostics"]],
        ModuleExports.from_json(exports) if exports is not None else None,
        tuple(data["imported_models"]),
        bool(data["has_losses"]),
        bool(data["evaluates"]),
    )


def _to_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _to_json(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_to_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _to_json(item) for key, item in value.items()}
    return value


@functools.lru_cache(maxsize=None)
def _field_types(kind: type) -> dict[str, Any]:
    # Resolving the string annotations costs more than decoding a whole entry; once per class.
    return typing.get_type_hints(kind)


def _from_json(kind: Any, data: Any) -> Any:
    """Rebuild a value of type `kind` (a dataclass of Diagnostic's family, a tuple, an
    Optional, a primitive) from `_to_json`'s output."""
    if data is None:
        return None
    origin = typing.get_origin(kind)
    if origin is typing.Union:
        options = [option for option in typing.get_args(kind) if option is not type(None)]
        return _from_json(options[0], data) if len(options) == 1 else data
    if origin in (tuple, list):
        arguments = typing.get_args(kind)
        item_kind = arguments[0] if arguments else Any
        items = [_from_json(item_kind, item) for item in data]
        return tuple(items) if origin is tuple else items
    if dataclasses.is_dataclass(kind):
        hints = _field_types(kind)
        return kind(**{field.name: _from_json(hints[field.name], data[field.name])
                       for field in dataclasses.fields(kind) if field.name in data})
    return data
