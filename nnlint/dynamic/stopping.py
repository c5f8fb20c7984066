"""Stopping every dynamic-mode child when nnlint is interrupted (Ctrl-C) or terminated.

While `supervised()` is active in the main thread, SIGINT and SIGTERM close every live
child's watchdog pipe at once (its supervisor then kills all it started), stop new children
from starting, and end nnlint with 130 (SIGINT) or 143 (SIGTERM) and one line on stderr.
Should nnlint die without running this (SIGKILL), the closed pipes do the same.
"""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager
from typing import Any, Iterator, Protocol


class _Stoppable(Protocol):
    def close_watchdog(self) -> None: ...

    def stop(self) -> int: ...


class Interrupted(BaseException):
    """Raised in the main thread by the signal handler; not an Exception, so nothing swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


# Children that are running; a set, so that the signal handler can copy it without a lock.
LIVE: set[_Stoppable] = set()
STOPPING = threading.Event()
_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_MESSAGES = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated (SIGTERM)"}


def interrupt_all() -> None:
    """No new child starts; every live one is told to stop. Never blocks (signal-handler safe)."""
    STOPPING.set()
    for child in list(LIVE):
        child.close_watchdog()


def stop_all() -> None:
    for child in list(LIVE):
        child.stop()


def _handler(signum: int, frame: Any) -> None:
    interrupt_all()
    for number in _SIGNALS:  # a second Ctrl-C while stopping must not interrupt the cleanup
        signal.signal(number, lambda *_: interrupt_all())
    raise Interrupted(signum)


@contextmanager
def supervised() -> Iterator[None]:
    """Install the handlers around a dynamic run (a no-op outside the main thread or nested)."""
    if threading.current_thread() is not threading.main_thread() or STOPPING.is_set() \
            or signal.getsignal(signal.SIGINT) is _handler:
        yield
        return
    previous = {number: signal.getsignal(number) for number in _SIGNALS}
    for number in _SIGNALS:
        signal.signal(number, _handler)
    try:
        yield
    except (Interrupted, KeyboardInterrupt) as error:
        interrupt_all()
        stop_all()
        signum = error.signum if isinstance(error, Interrupted) else signal.SIGINT
        sys.stderr.write(f"nnlint: {_MESSAGES.get(signum, 'stopped')}; the dynamic-mode processes were stopped\n")
        sys.stderr.flush()
        raise SystemExit(128 + signum) from None
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        STOPPING.clear()
