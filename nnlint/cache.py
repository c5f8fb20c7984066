"""The incremental cache: what checking a file yielded, keyed by everything that decides it.

One file per entry under the cache directory (`nnlint.cache_dir` decides where, and keeps
the cache from writing anywhere it does not own). The key hashes the file's bytes, nnlint's
version and a hash of its installed sources (another commit of the same version is other
code), the settings that affect the file (its selected codes and rule options) and, for a
file linked to other files' models, what those models resolved to and the bytes of the
files they came from. An entry is a header line (its key and a SHA-256 of key and payload)
and the payload; it is used only when the checksum matches and every field has the type
it must have, so an entry emptied, edited or committed by hand is a miss and gets rewritten.
Entries are written to a temporary file and renamed into place, so a reader sees a whole
entry or none, and two nnlint processes writing the same entry write the same bytes. The
cache is an optimisation only: any error reading or writing it (read-only project, full
disk) degrades to linting without it.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import stat
import tempfile
import typing
from pathlib import Path
from typing import Any, Mapping, Optional

from nnlint import __version__
from nnlint.analysis.program.exports import ModuleExports
from nnlint.cache_dir import ensure
from nnlint.diagnostic import Diagnostic
from nnlint.lint import FileResult
from nnlint.rules.plugins import plugin_fingerprint

# Bumped when the entry layout changes, beside the version (development builds keep theirs).
_SCHEMA = 6  # 3: notebooks (cells in findings; .ipynb was once cached as Python); 4: checksummed entries;
# 5: per-file summaries (classes, losses, pipelines, positions); 6: summary classes with a base in
# another file, and what a subclass inherits (module, closed, torch_layers, forward, reads);
# optimizer and scheduler factories (constructions), trains_with_imports, init functions
# An entry is a few kilobytes; a bigger one was not written by nnlint.
_MAX_ENTRY_BYTES = 32 * 1024 * 1024
_PACKAGE = Path(__file__).resolve().parent


@functools.lru_cache(maxsize=None)
def code_fingerprint() -> str:
    """A hash of nnlint's installed sources: once per process (the pool's workers inherit it),
    about 5 ms for the package's 140 files."""
    digest = hashlib.sha256(__version__.encode())
    try:
        for path in sorted(_PACKAGE.rglob("*.py")):
            digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    except OSError:
        pass  # an unreadable install still keys on the version
    digest.update(plugin_fingerprint().encode())
    return digest.hexdigest()


def settings_fingerprint(codes: frozenset[str], options: Mapping[str, Mapping[str, Any]]) -> str:
    """What of the configuration decides one file's findings."""
    return json.dumps([sorted(codes), {code: dict(options[code]) for code in sorted(options)}],
                      sort_keys=True, default=str)


def entry_key(data: bytes, settings: str, externals: Optional[Mapping[str, Any]] = None) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps([_SCHEMA, __version__, code_fingerprint(), settings], sort_keys=True).encode())
    digest.update(hashlib.sha256(data).digest())
    if externals:
        digest.update(json.dumps(externals, sort_keys=True).encode())
    return digest.hexdigest()


def encode_entry(key: str, result: Mapping[str, Any]) -> bytes:
    """The bytes of an entry: a header line with the key and the checksum, then the payload."""
    payload = json.dumps(result, sort_keys=True).encode("utf-8")
    header = json.dumps({"key": key, "sha256": _checksum(key, payload)}).encode("utf-8")
    return header + b"\n" + payload


def decode_entry(raw: bytes, key: str) -> Optional[Any]:
    """The payload of an entry written for `key`, or None when anything about it is off."""
    header, _, payload = raw.partition(b"\n")
    stored = json.loads(header)
    if not isinstance(stored, dict) or stored.get("key") != key or stored.get("sha256") != _checksum(key, payload):
        return None
    return json.loads(payload)


def _checksum(key: str, payload: bytes) -> str:
    return hashlib.sha256(key.encode("ascii", "replace") + b"\n" + payload).hexdigest()


class Cache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._owned: Optional[bool] = None
        self._checked: set[Path] = set()  # subdirectories seen to be real directories

    def get(self, key: str) -> Optional[FileResult]:
        try:
            raw = _read_regular(self._entry(key))
            data = decode_entry(raw, key) if raw is not None else None
            return _result_from_json(data) if data is not None else None
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None

    def put(self, key: str, result: FileResult) -> None:
        entry = self._entry(key)
        try:
            if not self._prepare(entry.parent):
                return
            payload = encode_entry(key, _result_to_json(result))
            handle = tempfile.NamedTemporaryFile("wb", dir=entry.parent, prefix=".tmp-", suffix=".json", delete=False)
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

    def _prepare(self, shard: Path) -> bool:
        """The cache directory is nnlint's own (made now if missing), and the entry's
        subdirectories are real directories in it: a link planted there is not written through."""
        if self._owned is None:
            self._owned = ensure(self.directory)
        if not self._owned:
            return False
        for directory in (shard.parent, shard):
            if directory not in self._checked:
                directory.mkdir(exist_ok=True)
                if not stat.S_ISDIR(os.lstat(directory).st_mode):
                    return False
                self._checked.add(directory)
        return True


def _read_regular(path: Path) -> Optional[bytes]:
    """An entry's bytes, read only from a regular file of sane size (not through a link, and
    not from a FIFO or device, which could block or never end)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_ENTRY_BYTES:
            return None
        with os.fdopen(os.dup(descriptor), "rb") as handle:
            return handle.read(_MAX_ENTRY_BYTES + 1)
    finally:
        os.close(descriptor)


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
        "trains_with_imports": result.trains_with_imports,
        "applies_imports": result.applies_imports,
    }


def _result_from_json(data: Any) -> FileResult:
    """Raises TypeError (or KeyError, ValueError) for anything `_result_to_json` did not make."""
    _expect(isinstance(data, dict) and isinstance(data["diagnostics"], list))
    exports = data["exports"]
    imported = data["imported_models"]
    _expect(isinstance(imported, list) and all(isinstance(name, str) for name in imported))
    _expect(isinstance(data["has_losses"], bool) and isinstance(data["evaluates"], bool)
            and isinstance(data["trains_with_imports"], bool) and isinstance(data["applies_imports"], bool))
    return FileResult(
        [_from_json(Diagnostic, item) for item in data["diagnostics"]],
        _exports_from_json(exports) if exports is not None else None,
        tuple(imported),
        data["has_losses"],
        data["evaluates"],
        trains_with_imports=data["trains_with_imports"],
        applies_imports=data["applies_imports"],
    )


def _exports_from_json(data: Any) -> ModuleExports:
    _expect(isinstance(data, dict))
    for name, kind in (("models", list), ("factories", list), ("imports", str), ("modes", bool)):
        table = data[name]
        _expect(isinstance(table, dict) and all(isinstance(key, str) and isinstance(value, kind)
                                                for key, value in table.items()))
    for name in ("classes", "losses", "constructions", "init_functions"):
        _expect(isinstance(data[name], dict) and all(isinstance(key, str) and isinstance(value, dict)
                                                     for key, value in data[name].items()))
    _expect(isinstance(data["pipelines"], list) and all(isinstance(item, dict) for item in data["pipelines"]))
    _expect(isinstance(data["trains"], bool))
    return ModuleExports.from_json(data)


def _expect(condition: bool) -> None:
    if not condition:
        raise TypeError("not an entry nnlint wrote")


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
    Optional, a primitive) from `_to_json`'s output, checking every type on the way: a
    formatter must never meet a line that is text or a message that is a list."""
    origin = typing.get_origin(kind)
    if origin is typing.Union:
        options = [option for option in typing.get_args(kind) if option is not type(None)]
        if data is None and len(options) < len(typing.get_args(kind)):
            return None
        _expect(len(options) == 1)
        return _from_json(options[0], data)
    if origin in (tuple, list):
        _expect(isinstance(data, list))
        arguments = [argument for argument in typing.get_args(kind) if argument is not Ellipsis]
        _expect(len(arguments) == 1)
        items = [_from_json(arguments[0], item) for item in data]
        return tuple(items) if origin is tuple else items
    if dataclasses.is_dataclass(kind):
        _expect(isinstance(data, dict))
        hints = _field_types(kind)
        return kind(**{field.name: _from_json(hints[field.name], data[field.name])
                       for field in dataclasses.fields(kind) if field.name in data})
    if kind is int:
        # Every number in a finding is a line or a column.
        _expect(isinstance(data, int) and not isinstance(data, bool) and data >= 0)
    else:
        _expect(kind in (str, bool) and isinstance(data, kind))
    return data
