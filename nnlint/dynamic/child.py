"""The child process: a JSON request as the first line of stdin, one JSON event per line on a
private channel (a pipe the parent passes as a file descriptor; stdout and stderr are only
the user's output, which the parent caps).

Three levels of processes:

- the *supervisor* (the process nnlint starts) runs no user code: it forks the worker, and
  when the worker exits, or stdin reaches its end (nnlint is done with it, or nnlint died),
  it kills every process below it and everything carrying the run's marker (see reaper.py),
  then reports the worker's exit status on the channel;
- the *worker* imports torch and the module and forks once per model;
- each *model fork* probes one model; what it leaves running is killed when it ends.

Events: `ready` (torch imported), `loaded` (the module's candidates), `start` (a model begins:
the parent restarts its clock and, should the process die, knows which model killed it),
`model` (its report), `done`, and the supervisor's `exit`. Each carries the request's token:
a line without it was not written by nnlint. Limits (memory, threads) are set before torch
is imported.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import time
import traceback
from typing import Any, Callable, Optional, TextIO

from nnlint.dynamic import reaper

_PROBES = ("output_range", "non_finite", "symmetry", "registration", "dead_relu", "constant_prediction",
           "gradient_flow", "train_eval", "layer_usage")


def _is_out_of_memory(error: BaseException) -> bool:
    text = str(error)
    return isinstance(error, MemoryError) or "can't allocate memory" in text or "DefaultCPUAllocator" in text


def _error_text(error: BaseException) -> str:
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def _user_frame(error: BaseException, path: str) -> Optional[int]:
    """The last line of the user's file in the traceback: where their code failed."""
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if os.path.abspath(frame.filename) == path:
            line = frame.lineno
    return line


class ChildSession:
    def __init__(self, request: dict[str, Any], channel: TextIO) -> None:
        self.request = request
        self.channel = channel
        self.path = os.path.abspath(request["path"])
        self._token = str(request.get("token", "")).encode()

    def emit(self, event: dict[str, Any]) -> None:
        _emit(self.channel, self.request, event)

    def run(self) -> None:
        import torch

        torch.set_num_threads(self.request.get("threads", 1))
        from nnlint.dynamic import loader
        from nnlint.dynamic.construction_sites import record_construction_sites

        record_construction_sites(self.path)
        self.emit({"event": "ready"})
        # Models built by the module's own top-level code get the same weights on every run.
        torch.manual_seed(0)
        try:
            loaded = loader.load_module(self.path)
        except SyntaxError as error:
            self.emit({"event": "unloadable", "error": f"line {error.lineno} has a syntax error "
                       f"({error.msg}): Python cannot import the file, so no model was built"})
            self.emit({"event": "done"})
            return
        except KeyboardInterrupt:
            self.emit({"event": "unloadable", "error": "the module's top-level code raised KeyboardInterrupt"})
            self.emit({"event": "done"})
            return
        candidates = loader.find_candidates(loaded, torch.nn.Module)
        self.emit({
            "event": "loaded",
            "failures": [{"line": line, "error": message} for line, message in loaded.failures],
            "candidates": [vars(candidate) for candidate in candidates],
            "functions": loader.top_level_functions(loaded.tree),
        })
        only = self.request.get("only")
        skip = set(self.request.get("skip", ()))
        for candidate in candidates:
            if candidate.name in skip or (only is not None and candidate.name not in only):
                continue
            self.emit({"event": "start", "model": candidate.name})
            if hasattr(os, "fork") and self.request.get("fork", True):
                report = self.probe_in_fork(candidate, loaded)
            else:
                report = self.probe_safely(candidate, loaded)
            self.emit({"event": "model", "model": candidate.name, "report": report})
        self.emit({"event": "done"})

    def probe_safely(self, candidate: Any, loaded: Any) -> dict[str, Any]:
        report: dict[str, Any] = {"name": candidate.name}
        started, cpu_started = time.monotonic(), time.process_time()
        try:
            report.update(self.probe(candidate, loaded))
        except BaseException as error:  # noqa: BLE001 - one model's failure is its status
            # KeyboardInterrupt too: the child is outside the terminal's process group, so it
            # comes from the model's own code (nnlint stops the child by killing it).
            status = "out-of-memory" if _is_out_of_memory(error) else "error"
            report.update(status=status, detail=_error_text(error), line=_user_frame(error, self.path))
        report["seconds"] = round(time.monotonic() - started, 3)
        # CPU time says what the model cost on a busy machine, where wall time says little.
        report["cpu_seconds"] = round(time.process_time() - cpu_started, 3)
        return report

    def probe_in_fork(self, candidate: Any, loaded: Any) -> dict[str, Any]:
        """Probe in a forked copy of this process, which already holds torch and the module:
        a model that hangs, exits or crashes costs its own fork, not a new torch import."""
        reader, writer = os.pipe()
        before = reaper.children(os.getpid())
        pid = os.fork()
        if pid == 0:
            os.close(reader)
            self.channel.close()  # the model's code has no business with the protocol
            try:
                data = json.dumps(self.probe_safely(candidate, loaded), default=str).encode("utf-8")
                with os.fdopen(writer, "wb") as pipe:
                    # On a line of its own after the token: the model's code could write to
                    # this pipe too, but not that line.
                    pipe.write(b"\n" + self._token + b" " + data + b"\n")
            finally:
                os._exit(0)
        os.close(writer)
        limit = self.model_limit(candidate.name)
        data, finished = _read_until(reader, time.monotonic() + limit, pid)
        os.close(reader)
        if not finished:
            os.kill(pid, signal.SIGKILL)
        _, wait_status = os.waitpid(pid, 0)
        # What the model started dies with it: its orphans re-parented to this subreaper.
        reaper.kill_tree(reaper.children(os.getpid()) - before)
        if not finished:
            return {"name": candidate.name, "status": "timeout",
                    "detail": f"did not finish within {limit:g} s while probing it"}
        try:
            return json.loads(next(line for line in reversed(data.split(b"\n"))
                                   if line.startswith(self._token + b" "))[len(self._token) + 1:])
        except (StopIteration, ValueError):
            from nnlint.dynamic.isolation import crash_text

            code = os.waitstatus_to_exitcode(wait_status)
            return {"name": candidate.name, "status": "crash",
                    "detail": f"{crash_text(code, self.request.get('memory_mb', 0))} while probing it"}

    def model_limit(self, name: str) -> float:
        """Seconds the model may take: its own `timeout`, else the run's."""
        spec = self.request.get("models", {}).get(name) or {}
        return float(spec.get("timeout") or self.request.get("timeout", 60.0))

    def _target(self, candidate: Any, loaded: Any) -> tuple[Optional[Callable[..., Any]], Any]:
        value = loaded.namespace.get(candidate.name)
        return (None, value) if candidate.kind == "instance" else (value, None)

    def probe(self, candidate: Any, loaded: Any) -> dict[str, Any]:
        import torch

        from nnlint.dynamic import construction, fitting, passes, probes, shapes

        if candidate.name in loaded.failed_names:
            return {"status": "import-error", "detail": loaded.failed_names[candidate.name]}
        spec = self.request.get("models", {}).get(candidate.name, {})
        target, model = self._target(candidate, loaded)
        args, kwargs = spec.get("args", []), spec.get("kwargs", {})
        built_as = None
        if target is not None and not args and not kwargs and construction.required_parameters(target):
            # The config says nothing and the constructor needs arguments: build the model
            # as the file itself does, when it does so with literals.
            call = loaded.literal_calls.get(candidate.name)
            if call is not None:
                args, kwargs, built_as = call.args, call.kwargs, f"{call.text} (line {call.line})"
        if model is None:
            torch.manual_seed(0)
            try:
                model = construction.construct(target, args, kwargs)
            except construction.NeedsArguments as error:
                return {"status": "needs-arguments", "detail": ", ".join(error.names)}
            except Exception as error:  # noqa: BLE001
                if _is_out_of_memory(error):
                    # Too big for the memory limit: its shapes can still be checked on meta.
                    del error
                    checked = shapes.check_on_meta(target, args, kwargs, spec)
                    if checked is not None and checked.mismatch is not None:
                        return _mismatch_report(checked)
                    raise
                return {"status": "constructor-error", "detail": _error_text(error),
                        "line": _user_frame(error, self.path)}
        if not isinstance(model, torch.nn.Module):
            return {"status": "not-a-model", "detail": f"{candidate.name}() returned {type(model).__name__}"}
        checked = shapes.check_shapes(model, construction.plans_for(model, spec), "cpu")
        if checked.mismatch is not None:
            return _mismatch_report(checked)
        if checked.plan is not None:
            plan = checked.plan  # this very model's forward accepted it
        else:
            try:
                plan, _ = construction.find_input(model, spec.get("inputs", []), spec.get("dtype"), checked.plan)
            except construction.NoInput as error:
                return {"status": "no-input", "detail": str(error)}
        started = time.monotonic()
        results: dict[str, Any] = {}
        shared = passes.SharedPasses(model, probes.varied_batch(plan), self.path)
        try:
            observed = shared.observed()
        except Exception as error:  # noqa: BLE001 - the probes report forward's errors themselves
            if _is_out_of_memory(error):
                raise
            observed = None
        # First lines of the user's functions one forward pass runs, so that a finding in a
        # helper forward calls is judged and one in training_step is not.
        ran = observed.ran if observed is not None else []
        selected = self.request.get("probes") or _PROBES
        options = self.request.get("options", {})
        for name in selected:
            try:
                results[name] = getattr(probes, name)(model, plan, shared)
            except Exception as error:  # noqa: BLE001 - the other probes still run
                if _is_out_of_memory(error):
                    raise
                results[name] = {"error": _error_text(error), "line": _user_frame(error, self.path)}
        classes = spec.get("classes") or (fitting.classes_of(observed, None) if observed is not None else None)
        steps = int(options.get("fit_steps", fitting.DEFAULT_STEPS))
        lr = float(options.get("fit_lr", fitting.DEFAULT_LR))
        if options.get("fit", True):
            if classes is None:
                results["fit"] = {"checked": False, "reason": "the output is not one score per class "
                                  "(give `classes` for a classifier)"}
            else:
                try:
                    # Half of what is left of the model's time limit, so a big model's
                    # other results still arrive.
                    budget = max(1.0, (self.model_limit(candidate.name) - (time.monotonic() - started)) / 2)
                    results["fit"] = fitting.fit_one_per_class(model, plan, classes, steps, lr, budget)
                except Exception as error:  # noqa: BLE001
                    if _is_out_of_memory(error):
                        raise
                    results["fit"] = {"checked": False, "reason": _error_text(error)}
        if options.get("learning_curve") and classes is not None:
            results["learning_curve"] = fitting.learning_curve(model, plan, classes, steps, lr)
        from nnlint.dynamic.loader import MODULE_NAME

        # A finding in a block class is judged on the models that contain that block.
        user_classes = sorted({type(m).__name__ for m in model.modules() if type(m).__module__ == MODULE_NAME})
        return {"status": "ok", "input": plan.description, "classes": classes, "module_classes": user_classes,
                "built_as": built_as,
                "ran": ran,
                "parameters": sum(p.numel() for p in model.parameters()), "probes": results}


def _mismatch_report(checked: Any) -> dict[str, Any]:
    """A model whose forward fails on a shape mismatch: no probe can run it."""
    mismatch = checked.mismatch
    return {"status": "shape-mismatch", "detail": f"{mismatch['layer']} {mismatch['how']}", "line": mismatch["line"],
            "shape": {**mismatch, "device": checked.device}}


def _exited(pid: int) -> bool:
    """Whether the fork has exited (left unreaped)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except (ChildProcessError, AttributeError):
        return True


def _read_until(descriptor: int, deadline: float, pid: int) -> tuple[bytes, bool]:
    """Everything written to the pipe until EOF or the fork's exit (a process the model
    forked may hold the pipe open), and whether that came before the deadline."""
    chunks = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return b"".join(chunks), False
        ready, _, _ = select.select([descriptor], [], [], min(remaining, 0.1))
        if not ready:
            if _exited(pid):  # all it wrote is in the pipe: nothing is left unread
                ready, _, _ = select.select([descriptor], [], [], 0)
                if not ready:
                    return b"".join(chunks), True
            continue
        chunk = os.read(descriptor, 1 << 16)
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)


def _apply_limits(request: dict[str, Any]) -> None:
    threads = str(request.get("threads", 1))
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[variable] = threads
    os.environ["CUDA_VISIBLE_DEVICES"] = ""
    memory_mb = request.get("memory_mb")
    if memory_mb:
        try:
            import resource

            limit = int(memory_mb) << 20
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):  # not on this OS: the time limit still holds
            pass


def _emit(channel: TextIO, request: dict[str, Any], event: dict[str, Any]) -> None:
    channel.write(json.dumps({**event, "token": request.get("token")}, default=str) + "\n")
    channel.flush()


def _read_request() -> dict[str, Any]:
    # One line, read unbuffered: the rest of stdin is the parent's watchdog pipe.
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(0, 1 << 16)
        if not chunk:
            break
        data += chunk
    return json.loads(data)


def _channel(request: dict[str, Any]) -> TextIO:
    descriptor = request.get("channel_fd")
    if descriptor is None:  # no descriptor passing (Windows): the original stdout, user prints to stderr
        descriptor = os.dup(sys.stdout.fileno())
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    os.set_inheritable(descriptor, False)  # processes the user's code starts do not get it
    return os.fdopen(descriptor, "w", encoding="utf-8")


def _work(request: dict[str, Any], channel: TextIO) -> int:
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)  # the user's code reads nothing, and never holds the watchdog pipe
    os.close(devnull)
    reaper.become_subreaper()
    _apply_limits(request)
    ChildSession(request, channel).run()
    channel.close()
    return 0


def _wait_for(worker: int) -> Optional[int]:
    """The worker's exit code, or None when stdin ends first (nnlint stopped or died)."""
    waitables, pidfd = [0], None
    if hasattr(os, "pidfd_open"):
        try:
            pidfd = os.pidfd_open(worker)
            waitables.append(pidfd)
        except OSError:
            pass
    while True:
        ready, _, _ = select.select(waitables, [], [], None if pidfd is not None else 0.05)
        if 0 in ready and not os.read(0, 1 << 16):
            return None
        done, status = os.waitpid(worker, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)


def _supervise(request: dict[str, Any], channel: TextIO) -> int:
    reaper.become_subreaper()
    worker = os.fork()
    if worker == 0:
        code = 1
        try:
            code = _work(request, channel)
        except BaseException:  # noqa: BLE001 - the traceback goes to the captured output
            traceback.print_exc()
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except BaseException:  # noqa: BLE001 - nothing may keep the worker from exiting here
                    pass
            os._exit(code)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    returncode = _wait_for(worker)
    reaper.kill_tree([os.getpid()], token=request.get("token", ""))
    reaper.reap_all()
    if returncode is not None:
        try:
            _emit(channel, request, {"event": "exit", "returncode": returncode})
        except OSError:
            pass
    return 0


def main() -> int:
    request = _read_request()
    channel = _channel(request)
    if hasattr(os, "fork"):
        return _supervise(request, channel)
    return _work(request, channel)


if __name__ == "__main__":
    sys.exit(main())
