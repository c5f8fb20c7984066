"""Lint every .py file under the given directories and count what went wrong.

    python scripts/crash_run.py [-j JOBS] [--timeout SECONDS] DIR...

Each file goes through the whole in-process pipeline (read, decode, parse, analyse, every
rule, every output format) in a worker process. A Python exception escaping nnlint is an
*internal error*; a worker that dies (a segfault in a native parser, the OOM killer) is a
*crash*; a file that takes longer than the timeout is a *hang*. The worker that died or hung
is replaced and the run goes on, so one bad file cannot hide the others.

Prints the counts, every failing file, and the slowest files; exits 1 if anything failed.
Fetched code is read in place and never copied into the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Iterator, Optional

ROOT = Path(__file__).resolve().parents[1]


def python_files(directory: str) -> Iterator[str]:
    for current, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.join(current, name)


def _worker() -> None:
    """Read paths from stdin, one per line; answer one JSON line per path."""
    import traceback

    from nnlint.lint import lint_file
    from nnlint.report import OUTPUT_FORMATS, render
    from nnlint.rules import all_rules

    codes = frozenset(rule.code for rule in all_rules())
    for line in sys.stdin:
        path = line.rstrip("\n")
        started = time.perf_counter()
        record: dict = {"path": path}
        try:
            found = lint_file(path, codes)
            for output_format in OUTPUT_FORMATS:
                render(found, output_format)
            record["codes"] = [d.code for d in found]
        except BaseException as error:  # noqa: BLE001 - what this script exists to count
            record["error"] = f"{type(error).__name__}: {error}"
            record["traceback"] = traceback.format_exc(limit=-6)
        record["seconds"] = time.perf_counter() - started
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()


class _Worker:
    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, env=env, bufsize=1,
        )
        self.path: Optional[str] = None
        self.started = 0.0

    def send(self, path: str) -> None:
        self.path, self.started = path, time.perf_counter()
        assert self.process.stdin is not None
        self.process.stdin.write(path + "\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


def run(paths: list[str], jobs: int, timeout: float) -> list[dict]:
    import selectors

    pending = list(reversed(paths))
    results: list[dict] = []
    selector = selectors.DefaultSelector()
    workers: list[_Worker] = []

    def start() -> None:
        worker = _Worker()
        workers.append(worker)
        assert worker.process.stdout is not None
        selector.register(worker.process.stdout, selectors.EVENT_READ, worker)
        if pending:
            worker.send(pending.pop())

    def retire(worker: _Worker, record: dict) -> None:
        selector.unregister(worker.process.stdout)
        worker.stop()
        workers.remove(worker)
        results.append(record)
        if pending:
            start()

    for _ in range(min(jobs, len(pending))):
        start()
    while workers:
        for key, _ in selector.select(timeout=1.0):
            worker: _Worker = key.data
            line = worker.process.stdout.readline()
            if not line:  # the worker died in the middle of worker.path
                code = worker.process.wait()
                retire(worker, {"path": worker.path, "crash": f"worker exited with status {code}",
                                "seconds": time.perf_counter() - worker.started})
                continue
            results.append(json.loads(line))
            if pending:
                worker.send(pending.pop())
            else:
                selector.unregister(worker.process.stdout)
                worker.stop()
                workers.remove(worker)
        now = time.perf_counter()
        for worker in list(workers):
            if worker.path is not None and now - worker.started > timeout:
                retire(worker, {"path": worker.path, "hang": f"no answer after {timeout:.0f} s",
                                "seconds": now - worker.started})
    return results


def main() -> int:
    if sys.argv[1:] == ["--worker"]:
        _worker()
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directories", nargs="+")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per file before it counts as a hang")
    parser.add_argument("--slowest", type=int, default=5)
    args = parser.parse_args()

    started = time.perf_counter()
    paths = [path for directory in args.directories for path in python_files(directory)]
    results = run(paths, args.jobs, args.timeout)
    elapsed = time.perf_counter() - started

    errors = [r for r in results if "error" in r]
    crashes = [r for r in results if "crash" in r]
    hangs = [r for r in results if "hang" in r]
    codes = Counter(code for r in results for code in r.get("codes", ()))
    print(f"files: {len(results)}  internal errors: {len(errors)}  crashes: {len(crashes)}  hangs: {len(hangs)}  "
          f"wall time: {elapsed:.1f} s ({args.jobs} jobs)")
    print(f"findings: {sum(codes.values())}  " + "  ".join(f"{c}={n}" for c, n in sorted(codes.items())))
    for record in errors:
        print(f"INTERNAL ERROR {record['path']}: {record['error']}\n{record['traceback']}")
    for record in crashes:
        print(f"CRASH {record['path']}: {record['crash']}")
    for record in hangs:
        print(f"HANG {record['path']}: {record['hang']}")
    for record in sorted(results, key=lambda r: -r["seconds"])[: args.slowest]:
        print(f"slow: {record['seconds']:.2f} s {record['path']}")
    return 1 if errors or crashes or hangs else 0


if __name__ == "__main__":
    sys.exit(main())
