"""How report formats for CI services name a file: relative to the project directory, and
as text every consumer can hold (a Linux file name is any bytes, not always UTF-8)."""

from __future__ import annotations

import os
from pathlib import Path


def project_path(path: str, cwd: Path) -> str:
    """`path` relative to the project directory (the cwd, where CI jobs run), with `/`;
    CI services link a finding to the file only by this path. A file outside it stays absolute."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, cwd)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return Path(absolute).as_posix()
    return Path(relative).as_posix()


def path_bytes(path: str) -> bytes:
    """The bytes of a file name as the file system holds them (`b"\\xff.py"` for the name
    Python spells "\\udcff.py"), for URIs and hashes."""
    try:
        return os.fsencode(path)
    except UnicodeEncodeError:  # a lone surrogate the file system encoding never made
        return path.encode("utf-8", "surrogatepass")


def printable_path(path: str) -> str:
    """`path` as valid Unicode: bytes that are not UTF-8 become U+FFFD."""
    return path_bytes(path).decode("utf-8", "replace")
