"""Reading the files of a checked tree: bounded, never blocking, regular files only.

A tree can hold anything git can commit or a user can make: a `.gitignore` linked to
`/dev/zero` (endless), a FIFO (opening it waits for a writer forever), a link into `/proc`
(`/proc/kmsg` blocks, and reading it takes messages out of the kernel log), a sparse file of
gigabytes that holds nothing. Every file nnlint reads goes through `read_bounded`: the file is
looked at before it is read (regular file, not in `/proc` or `/sys`, not over the limit), the
open cannot block, and at most `limit + 1` bytes are read, so a file that grows meanwhile is
bounded too.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO, Callable, Optional

# Kernel-made files: their size says nothing, and reading some of them blocks or has effects.
_PSEUDO_FILE_SYSTEMS = ("/proc", "/sys")
_CHUNK = 1 << 20
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


class Unreadable(Exception):
    """Why a file was not read: `reason` completes "cannot read FILE: ..."; `errno` is the
    system's error number when the system refused (ENOENT: there is no such file)."""

    def __init__(self, reason: str, error_number: Optional[int] = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.errno = error_number


class TooLarge(Unreadable):
    """The file holds more than the limit; `size` is what it holds (at least limit + 1)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"it has {size / 1e6:.1f} MB, more than nnlint's limit of {limit / 1e6:g} MB")
        self.size = size
        self.limit = limit


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "it is a directory"), (stat.S_ISFIFO, "not a regular file (a FIFO)"),
                       (stat.S_ISCHR, "not a regular file (a character device)"),
                       (stat.S_ISBLK, "not a regular file (a block device)"),
                       (stat.S_ISSOCK, "not a regular file (a socket)")):
        if test(mode):
            return name
    return "not a regular file"


def _refusal(status: os.stat_result, limit: int) -> Optional[Unreadable]:
    if not stat.S_ISREG(status.st_mode):
        return Unreadable(_kind(status.st_mode))
    if status.st_size > limit:
        return TooLarge(status.st_size, limit)
    return None


def _pseudo_file_system(path: str) -> Optional[str]:
    real = os.path.realpath(path)
    for root in _PSEUDO_FILE_SYSTEMS:
        if real == root or real.startswith(root + "/"):
            return root
    return None


def _system_error(error: OSError) -> Unreadable:
    if error.errno == errno.ELOOP:
        return Unreadable("symbolic link loop", error.errno)
    return Unreadable(error.strerror or str(error), error.errno)


def read_bounded(path: str, limit: int) -> bytes:
    """The bytes of the regular file at `path` (links followed), at most `limit` of them;
    raises `Unreadable` (or its `TooLarge`) saying why not, before reading what it refuses."""
    pseudo = _pseudo_file_system(path)
    if pseudo is not None:
        raise Unreadable(f"it is in {pseudo}, whose files the kernel makes up (never read)")
    try:
        # Looked at before opening: opening a FIFO would wait for a writer.
        refusal = _refusal(os.stat(path), limit)
        if refusal is not None:
            raise refusal
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        raise _system_error(error) from None
    try:
        # Again on what was opened: the path may have been replaced since (O_NONBLOCK kept
        # the open itself from waiting).
        refusal = _refusal(os.fstat(descriptor), limit)
        if refusal is not None:
            raise refusal
        return _read_at_most(lambda size: os.read(descriptor, size), limit)
    except OSError as error:
        raise _system_error(error) from None
    finally:
        os.close(descriptor)


def read_stream_bounded(stream: BinaryIO, limit: int) -> bytes:
    """At most `limit` bytes of a stream (stdin); raises `TooLarge` when it holds more,
    having read only `limit + 1` of them."""
    return _read_at_most(stream.read, limit)


def _read_at_most(read: Callable[[int], bytes], limit: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        chunk = read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
    raise TooLarge(total, limit)
