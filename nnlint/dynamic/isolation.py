"""The parent side of the child process: start it, watch the clock, kill it, and turn whatever
happened (a report, a hang, a crash) into one result per model.

Each model gets the time limit anew when the child announces it; a model that hangs or kills
the process gets that as its status and a fresh child carries on with the models after it,
so one bad model never costs the others their results. The child runs in its own process
group, which is killed at the end, so nothing it started is left running.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Optional

# Not `-m`: that puts the working directory (the user's folder) first on sys.path, where a
# `json.py` or `select.py` of theirs would replace the module nnlint's child needs.
_CHILD_ENTRY = "import sys; del sys.path[0]; from nnlint.dynamic.child import main; sys.exit(main())"
# Importing torch in a cold child can take several seconds; that is not the user's time.
STARTUP_LIMIT = 180.0
GRACE = 10.0


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


def _tail(path: str, limit: int = 400) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - limit))
            return handle.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""


class _Child:
    """One child process and a thread that turns its protocol lines into queued events."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.stderr = tempfile.NamedTemporaryFile(prefix="nnlint-dynamic-", suffix=".log", delete=False)
        env = dict(os.environ)
        nnlint_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [nnlint_root, env.get("PYTHONPATH")]))
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        self.process = subprocess.Popen(
            [sys.executable, "-c", _CHILD_ENTRY],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
            env=env, cwd=os.path.dirname(os.path.abspath(request["path"])) or None,
            start_new_session=True,
        )
        self.events: "queue.Queue[Optional[dict[str, Any]]]" = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(request).encode("utf-8"))
            self.process.stdin.close()
        except OSError:
            pass

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            try:
                self.events.put(json.loads(raw))
            except ValueError:
                continue
        self.events.put(None)

    def next_event(self, deadline: float) -> Optional[dict[str, Any]]:
        """The next event, None at the end of output; raises TimeoutError past the deadline."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        try:
            return self.events.get(timeout=remaining)
        except queue.Empty:
            raise TimeoutError from None

    def stop(self) -> int:
        """Kill the whole process group (the child and anything it started); its exit status."""
        try:
            if hasattr(os, "killpg"):
                os.killpg(self.process.pid, signal.SIGKILL)
            else:  # Windows: no process groups; the child itself is what can be killed
                self.process.kill()
        except (ProcessLookupError, PermissionError):
            pass
        returncode = self.process.wait()
        self.stderr.close()
        return returncode

    def log_tail(self) -> str:
        text = _tail(self.stderr.name)
        try:
            os.unlink(self.stderr.name)
        except OSError:
            pass
        return text


def run_module(request: dict[str, Any], timeout: float, memory_mb: int) -> ModuleOutcome:
    """Probe every model of `request["path"]`, restarting the child after a model that kills it."""
    outcome = ModuleOutcome(path=request["path"])
    skip: list[str] = list(request.get("skip", ()))
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
    try:
        while True:
            try:
                event = child.next_event(deadline)
            except TimeoutError:
                limit = STARTUP_LIMIT if stage.startswith("starting") else timeout
                problem = f"did not finish within {limit:g} s"
                return _failed(outcome, current, stage, problem, "timeout", child)
            if event is None:
                returncode = child.process.wait()
                if returncode == 0 and stage == "done":
                    return None
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
                # The child enforces the limit on its fork; this one catches a stuck child.
                deadline = time.monotonic() + timeout + GRACE
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
        tail = child.log_tail()
        if outcome.error and tail and "stderr" not in outcome.error:
            outcome.error += f" (stderr: {tail.splitlines()[-1]})"


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
