"""Finding and killing every process a dynamic-mode child started, including those that left
its process group and session (`subprocess.Popen(..., start_new_session=True)`, daemons).

Two ways to find them, both Linux-only (elsewhere only the process group is killed):

- the process tree: the child and its worker are *subreapers* (PR_SET_CHILD_SUBREAPER), so an
  orphan re-parents to them instead of to init, and stays in their tree wherever it moved;
- a marker: every child gets `NNLINT_DYNAMIC_RUN=<token>` in its environment, which everything
  it starts inherits, so the parent can find what is left even when the child is gone.

A process that both clears its environment and loses its subreaper (the child was SIGKILLed
by something other than nnlint) is out of reach; so is one that changes its user id.
Used by the child and the parent; never imports torch.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Iterable

MARKER = "NNLINT_DYNAMIC_RUN"
_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Make orphaned descendants re-parent to this process; False where the OS cannot."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _process_table() -> dict[int, int]:
    """pid -> parent pid of every live (not zombie) process, from /proc; empty without it."""
    table = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return table
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields and fields[0] not in (b"Z", b"X"):
            table[int(name)] = int(fields[1])
    return table


def children(pid: int) -> set[int]:
    return {child for child, parent in _process_table().items() if parent == pid}


def descendants(roots: Iterable[int], table: dict[int, int]) -> set[int]:
    """`roots` (those alive) and every live process below them."""
    below: dict[int, list[int]] = {}
    for child, parent in table.items():
        below.setdefault(parent, []).append(child)
    found, todo = set(), [pid for pid in roots if pid in table]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(below.get(pid, ()))
    return found


def marked(token: str) -> set[int]:
    """Live processes whose environment carries this run's marker (readable ones: same user)."""
    needle = f"{MARKER}={token}".encode()
    found = set()
    for pid in _process_table():
        try:
            with open(f"/proc/{pid}/environ", "rb") as handle:
                if needle in handle.read().split(b"\0"):
                    found.add(pid)
        except OSError:
            continue
    return found


def _kill(pids: Iterable[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        try:  # reap those that are ours, so they do not stay as zombies
            os.waitpid(pid, os.WNOHANG)
        except OSError:
            pass


def kill_tree(roots: Iterable[int], *, token: str = "", spare: Iterable[int] = (), limit: float = 2.0) -> None:
    """SIGKILL `roots`, everything below them and (with `token`) everything marked with it,
    again and again until none is left (a process may fork while its siblings die)."""
    roots, spare = set(roots), set(spare) | {os.getpid()}
    deadline = time.monotonic() + limit
    while True:
        table = _process_table()
        victims = descendants(roots, table) | (marked(token) if token else set())
        victims -= spare
        if not victims or time.monotonic() > deadline:
            return
        roots |= victims
        _kill(victims)
        time.sleep(0.01)


def reap_all() -> None:
    """Collect every exited child of this process (orphans re-parented to a subreaper)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
