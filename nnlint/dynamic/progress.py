"""What a dynamic run is doing, on stderr, once it has lasted a second (stdout is the report's,
and stays clean for JSON and SARIF).

On a terminal: one line rewritten in place with the files done and the seconds elapsed, erased
at the end. Elsewhere (a CI log, a pipe): one line when the second has passed and one at the
end with the time taken, so a log shows that something ran and for how long, without a line
per tick. A run shorter than a second shows nothing.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Optional, TextIO

DELAY = 1.0
_TICK = 0.25


class Progress:
    """`with Progress("probing model.py:Net"):`, or with `total` files, `step()` after each."""

    def __init__(self, what: str, total: int = 0, stream: Optional[TextIO] = None, delay: float = DELAY) -> None:
        self.what, self.total, self.done = what, total, 0
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        try:
            self.live = self.stream.isatty()
        except (AttributeError, ValueError):
            self.live = False
        self.started = time.monotonic()
        self.shown = False
        self._width = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="nnlint-progress", daemon=True)
        self._thread.start()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _counter(self, with_done: bool = True) -> str:
        if not self.total:
            return ""
        files = f" {self.total} file{'s' if self.total != 1 else ''}"
        return f"{files} ({self.done} done)" if with_done else files

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken stderr must not end the run
            self._stop.set()

    def _run(self) -> None:
        if self._stop.wait(self.delay):
            return
        with self._lock:
            self.shown = True
            if not self.live:
                self._write(f"nnlint: {self.what}{self._counter(False)} ...\n")
                return
        while not self._stop.is_set():
            with self._lock:
                if self._stop.is_set():
                    return
                line = f"nnlint: {self.what}{self._counter()}, {time.monotonic() - self.started:.0f} s"
                self._write("\r" + line.ljust(self._width))
                self._width = len(line)
            self._stop.wait(_TICK)

    def step(self) -> None:
        with self._lock:
            self.done += 1

    def close(self, finished: bool = True) -> None:
        """End the display; a run that did not finish (Ctrl-C) gets no "done" line."""
        with self._lock:
            self._stop.set()
            if self.shown:
                if self.live:
                    self._write("\r" + " " * self._width + "\r")
                elif finished:
                    self._write(f"nnlint: {self.what}{self._counter(False)}: done in {time.monotonic() - self.started:.1f} s\n")
        self._thread.join()
