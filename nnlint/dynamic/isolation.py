"""The parent side of the child process: start it, watch the clock, kill it, and turn whatever
happened (a report, a hang, a crash) into one result per model.

Each model gets the time limit anew when the child announces it; a model that hangs or kills
the process gets that as its status and a fresh child carries on with the models after it,
so one bad model never costs the others their results. The child runs in its own session
and process group; at the end, at a time limit and when nnlint is interrupted, it and
everything it started are killed (child.py's supervisor, reaper.py, stopping.py).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from nnlint.dynamic import reaper, stopping

# Not `-m`: that puts the working directory (the user's folder) first on sys.path, where a
# `json.py` or `select.py` of theirs would replace the module nnlint's child needs.
_CHILD_ENTRY = "import sys; del sys.path[0]; from nnlint.dynamic.child import main; sys.exit(main())"
# Importing torch in a cold child can take several seconds; that is not the user's time.
STARTUP_LIMIT = 180.0
GRACE = 10.0
# How long the supervisor gets to kill what the child started before nnlint kills the group.
STOP_WAIT = 0.5
# Bytes of the user's output kept from its start and from its end.
OUTPUT_KEEP = 64 * 1024


@dataclass
class ModuleOutcome:
    """Everything learnt about one file: its candidates, top-level failures, and one report
    per model (each with a `status`: ok, needs-arguments, hang, crash, ...)."""

    path: str
    candidates: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    # Top-level functions: {"name", "start", "end"}.
    functions: list[dict[str, Any]] = field(default_factory=list)
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Why the whole file has no results (the module could not even be loaded), if so.
    error: Optional[str] = None
    # What the user's code printed (stdout and stderr), capped: see CappedOutput.
    output: str = ""


def _signal_name(returncode: int) -> str:
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def crash_text(returncode: int, memory_mb: int) -> str:
    if returncode < 0:
        name = _signal_name(returncode)
        if name == "SIGSEGV":
            return "the process crashed with a segmentation fault (SIGSEGV)"
        if name == "SIGKILL":
            return f"the process was killed (SIGKILL; likely out of memory, limit {memory_mb} MB)"
        return f"the process was killed by {name}"
    return f"the process exited with status {returncode} (os._exit or sys.exit in the user's code)"


class CappedOutput:
    """What the user's code printed: the first and last `keep` bytes; the middle is dropped
    (and counted), so a model printing in a loop costs neither memory nor disk."""

    def __init__(self, keep: int = OUTPUT_KEEP) -> None:
        self.keep, self.head, self.tail, self.dropped = keep, bytearray(), bytearray(), 0

    def feed(self, data: bytes) -> None:
        room = self.keep - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        self.tail += data
        excess = len(self.tail) - self.keep
        if excess > 0:
            del self.tail[:excess]
            self.dropped += excess

    def text(self) -> str:
        notice = (f"\n[nnlint: {self.dropped} bytes of output dropped here; the first and last "
                  f"{self.keep // 1024} KB are kept]\n" if self.dropped else "")
        return (bytes(self.head).decode("utf-8", "replace") + notice
                + bytes(self.tail).decode("utf-8", "replace"))

    def last_line(self) -> str:
        lines = (bytes(self.tail) or bytes(self.head)).decode("utf-8", "replace").strip().splitlines()
        return lines[-1][:400] if lines else ""


class _Child:
    """One child process (the supervisor of child.py): a thread that turns its protocol lines
    into queued events, and one that keeps the capped output. Its stdin stays open as the
    watchdog: closing it tells the supervisor to kill everything, and it closes by itself
    when nnlint dies."""

    def __init__(self, request: dict[str, Any]) -> None:
        if stopping.STOPPING.is_set():
            raise stopping.Interrupted(signal.SIGINT)
        self.token = secrets.token_hex(16)
        self.exit_code: Optional[int] = None
        self.returncode: Optional[int] = None
        self._lock = threading.Lock()
        env = dict(os.environ)
        nnlint_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [nnlint_root, env.get("PYTHONPATH")]))
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env[reaper.MARKER] = self.token
        passing = os.name == "posix"
        reader, writer = os.pipe() if passing else (None, None)
        self.process = subprocess.Popen(
            [sys.executable, "-c", _CHILD_ENTRY],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if passing else subprocess.PIPE,
            env=env, cwd=os.path.dirname(os.path.abspath(request["path"])) or None,
            start_new_session=True, pass_fds=(writer,) if passing else (),
        )
        stopping.LIVE.add(self)
        if passing:
            os.close(writer)
            channel, output = os.fdopen(reader, "rb"), self.process.stdout
        else:
            channel, output = self.process.stdout, self.process.stderr
        self.output = CappedOutput()
        self.events: "queue.Queue[Optional[dict[str, Any]]]" = queue.Queue()
        threading.Thread(target=self._read, args=(channel,), daemon=True).start()
        threading.Thread(target=self._capture, args=(output,), daemon=True).start()
        assert self.process.stdin is not None
        try:
            line = {**request, "token": self.token, "channel_fd": writer}
            self.process.stdin.write(json.dumps(line).encode("utf-8") + b"\n")
            self.process.stdin.flush()
        except OSError:
            pass
        if stopping.STOPPING.is_set():  # interrupted while it started
            self.close_watchdog()

    def _read(self, channel: Any) -> None:
        with channel:
            for raw in channel:
                try:
                    event = json.loads(raw)
                except ValueError:
                    continue
                # Only nnlint's child knows the token: anything else is not a result.
                if isinstance(event, dict) and event.pop("token", None) == self.token:
                    self.events.put(event)
        self.events.put(None)

    def _capture(self, output: Any) -> None:
        descriptor = output.fileno()
        while True:
            try:
                chunk = os.read(descriptor, 1 << 20)
            except OSError:
                return
            if not chunk:
                return
            self.output.feed(chunk)

    def next_event(self, deadline: float) -> Optional[dict[str, Any]]:
        """The next event, None at the end of output; raises TimeoutError past the deadline."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        try:
            return self.events.get(timeout=remaining)
        except queue.Empty:
            raise TimeoutError from None

    def close_watchdog(self) -> None:
        try:
            assert self.process.stdin is not None
            self.process.stdin.close()
        except (OSError, ValueError):
            pass

    def _exited(self, limit: float) -> None:
        """Wait up to `limit` s for the supervisor to exit, leaving it unreaped: while it is a
        zombie its process group id cannot be reused, so killing the group stays safe."""
        deadline = time.monotonic() + limit
        while hasattr(os, "waitid"):
            try:
                if os.waitid(os.P_PID, self.process.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is not None:
                    return
            except ChildProcessError:
                return
            if time.monotonic() > deadline:
                return
            time.sleep(0.01)

    def stop(self) -> int:
        """Stop the child and everything it started; its exit status (the worker's, if known).
        The supervisor kills its tree when the watchdog closes; the process group and the
        marker catch what it could not (it was killed, or hung itself)."""
        with self._lock:
            if self.returncode is None:
                self.close_watchdog()
                self._exited(STOP_WAIT)
                try:
                    if hasattr(os, "killpg"):
                        os.killpg(self.process.pid, signal.SIGKILL)
                    else:  # Windows: no process groups; the child itself is what can be killed
                        self.process.kill()
                except (ProcessLookupError, PermissionError):
                    pass
                reaper.kill_tree((), token=self.token)
                self.returncode = self.process.wait()
                stopping.LIVE.discard(self)
        return self.exit_code if self.exit_code is not None else self.returncode


def run_module(request: dict[str, Any], timeout: float, memory_mb: int) -> ModuleOutcome:
    """Probe every model of `request["path"]`, restarting the child after a model that kills it."""
    outcome = ModuleOutcome(path=request["path"])
    skip: list[str] = list(request.get("skip", ()))
    with stopping.supervised():
        while True:
            finished = _one_child({**request, "skip": skip}, timeout, memory_mb, outcome)
            if finished is None:
                return outcome
            skip.append(finished)


def _one_child(request: dict[str, Any], timeout: float, memory_mb: int, outcome: ModuleOutcome) -> Optional[str]:
    """Run one child; the name of the model it died or hung on (to skip next time), else None."""
    child = _Child(request)
    current: Optional[str] = None
    deadline = time.monotonic() + STARTUP_LIMIT
    stage = "starting Python and importing torch"
    limit = timeout
    try:
        while True:
            try:
                event = child.next_event(deadline)
            except TimeoutError:
                if stage.startswith("starting"):
                    limit = STARTUP_LIMIT
                elif stage != "probing":
                    limit = timeout
                problem = f"did not finish within {limit:g} s"
                return _failed(outcome, current, stage, problem, "timeout", child)
            if event is None:
                returncode = child.stop()
                if stopping.STOPPING.is_set():
                    raise stopping.Interrupted(signal.SIGINT)
                return _failed(outcome, current, stage, crash_text(returncode, memory_mb), "crash", child)
            kind = event.get("event")
            if kind == "ready":
                stage, deadline = "importing the module", time.monotonic() + timeout
            elif kind == "loaded":
                outcome.candidates = event["candidates"]
                outcome.failures = event["failures"]
                outcome.functions = event.get("functions", [])
                stage = "between models"
            elif kind == "start":
                current, stage = event["model"], "probing"
                limit = (request.get("models", {}).get(current) or {}).get("timeout") or timeout
                # The child enforces the limit on its fork; this one catches a stuck child.
                deadline = time.monotonic() + limit + GRACE
            elif kind == "unloadable":
                outcome.error = event["error"]
            elif kind == "exit":
                child.exit_code = event["returncode"]
            elif kind == "model":
                outcome.reports[event["model"]] = event["report"]
                current, stage = None, "between models"
            elif kind == "done":
                # Everything has arrived. Waiting for the end of the output instead would wait
                # out the timeout when a model forked a process that holds the pipe open;
                # `stop` kills the whole group anyway.
                return None
    finally:
        child.stop()
        outcome.output += child.output.text()
        last = child.output.last_line()
        if outcome.error and last and "(output: " not in outcome.error:
            outcome.error += f" (output: {last})"


def _failed(outcome: ModuleOutcome, current: Optional[str], stage: str, problem: str, status: str,
            child: _Child) -> Optional[str]:
    if current is not None:
        outcome.reports[current] = {"name": current, "status": status, "detail": f"{problem} while probing it"}
        return current
    if stage == "between models":
        # It died after a model finished and before the next began: nothing more to learn.
        outcome.error = f"{problem} between models"
        return None
    outcome.error = f"{problem} while {stage}"
    return None
