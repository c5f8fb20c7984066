"""Measure nnlint against the libcst parse floor and against TorchFix and Fixit.

    python benchmarks/run.py CORPUS_DIR [--jobs N] [--torchfix CMD] [--fixit CMD]

Everything runs on a private copy of the corpus's `.py` files in a temporary directory, so
nothing is ever written into the corpus (the 5 "touched" files are edited in the copy) and
every tool sees exactly the same files. nnlint's cache goes to a temporary directory through
NNLINT_CACHE_DIR. Each measurement is the wall-clock time of whole processes, interpreter
start included, with the same number of processes for the floor, nnlint and the peers.

Options of nnlint that this checkout does not have yet (`--jobs`, the cache) are detected
from `nnlint check --help` and from whether the cache directory fills up; the rows that need
them are then reported as skipped, with the reason, rather than measured wrongly.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

BENCHMARKS = Path(__file__).resolve().parent
REPOSITORY = BENCHMARKS.parent
SINGLE_FILE = BENCHMARKS / "fixtures" / "train_300_lines.py"
PARSE_FLOOR = BENCHMARKS / "parse_floor.py"
PEERS_VENV_BIN = Path("/tmp/peers/bin")
# Directories no tool should lint (nnlint's own default excludes among them).
_SKIPPED_DIRECTORIES = {"__pycache__", ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv",
                        "build", "dist", "site-packages", "node_modules", ".nnlint_cache"}
_TOUCHED_FILES = 5


# ------------------------------------------------------------------ running processes


@dataclass
class Run:
    """One whole process (tree): its wall-clock time, memory and output."""

    seconds: float
    returncode: int
    stdout: str
    stderr: str
    largest_process_kb: int  # ru_maxrss of the biggest process in the tree
    cpu_seconds: float  # user + system time of the whole tree (what load from other processes inflates least)
    tree_peak_kb: int  # the most the whole tree held at once, sampled from /proc (0 if unavailable)
    timed_out: bool = False


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                found.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return found


def _resident_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return 0


class _TreeMemorySampler(threading.Thread):
    """The resident memory of a process and all its descendants, summed, every 50 ms;
    ru_maxrss alone only gives the biggest single process of a pool."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self._stop_event = pid, 0, threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(0.05):
            pending, total = [self.pid], 0
            while pending:
                pid = pending.pop()
                total += _resident_kb(pid)
                pending.extend(_children(pid))
            self.peak_kb = max(self.peak_kb, total)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak_kb


def run_timed(command: Sequence[str], env: Optional[dict[str, str]] = None, cwd: Optional[Path] = None,
              timeout: Optional[float] = None) -> Run:
    """Run `command` to completion; its own session, so a timeout kills its whole pool."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(list(command), stdout=out, stderr=err, env=env, cwd=cwd,
                                   start_new_session=True)
        sampler = _TreeMemorySampler(process.pid)
        sampler.start()
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        # wait4 reports the child's rusage, whose ru_maxrss covers its waited-for children.
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        if timer:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        tree_peak = sampler.stop()
        out.seek(0)
        err.seek(0)
        return Run(seconds, process.returncode, out.read().decode("utf-8", "replace"),
                   err.read().decode("utf-8", "replace"), usage.ru_maxrss, usage.ru_utime + usage.ru_stime,
                   tree_peak, timed_out.is_set())


# ------------------------------------------------------------------ the corpus


def copy_corpus(corpus: Path, destination: Path) -> list[Path]:
    """The corpus's `.py` files copied under `destination`, in sorted order."""
    copied: list[Path] = []
    for directory, subdirectories, files in os.walk(corpus):
        subdirectories[:] = sorted(d for d in subdirectories if d not in _SKIPPED_DIRECTORIES)
        for name in sorted(files):
            if name.endswith(".py"):
                source = Path(directory) / name
                target = destination / source.relative_to(corpus)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                copied.append(target)
    return sorted(copied)


def touch(files: Sequence[Path], generation: int) -> None:
    """Change the content (not only the mtime) of each file: a content-keyed cache must miss."""
    for path in files:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"\n# edited by benchmarks/run.py ({generation})\n")


def spread(files: Sequence[Path], count: int) -> list[Path]:
    """`count` files spread evenly over the sorted list, among those that mention torch
    (the others are skipped before parsing and would make the edit free)."""
    candidates = [p for p in files if b"torch" in p.read_bytes()] or list(files)
    step = max(len(candidates) // count, 1)
    return candidates[::step][:count]


# ------------------------------------------------------------------ nnlint


@dataclass
class NnlintCli:
    """How to call this checkout's nnlint, and which of the issue-5 options it has."""

    python: str
    env: dict[str, str]
    has_jobs: bool = False
    has_no_cache: bool = False
    notes: list[str] = field(default_factory=list)

    @classmethod
    def probe(cls, python: str, bytecode_dir: Path) -> "NnlintCli":
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPOSITORY), env.get("PYTHONPATH", "")]))
        # Byte-compiled once, as `pip install` leaves it: without bytecode (PYTHONDONTWRITEBYTECODE)
        # every run would compile nnlint's modules from source, about 0.3 s per process.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(bytecode_dir)
        subprocess.run([python, "-m", "compileall", "-q", str(REPOSITORY / "nnlint")], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        cli = cls(python, env)
        help_text = subprocess.run([python, "-m", "nnlint", "check", "--help"], env=env, capture_output=True,
                                   text=True, check=True).stdout
        cli.has_jobs = "--jobs" in help_text
        # The option existed before the cache did, documented as having no effect.
        cli.has_no_cache = "--no-cache" in help_text and "no effect" not in help_text
        return cli

    def command(self, paths: Sequence[str], jobs: int, output_format: str = "json",
                no_cache: bool = False) -> list[str]:
        command = [self.python, "-m", "nnlint", "check", "--exit-zero", "--isolated", "-q",
                   "--output-format", output_format]
        if self.has_jobs:
            command += ["--jobs", str(jobs)]
        if no_cache and self.has_no_cache:
            command.append("--no-cache")
        return command + list(paths)

    def env_with_cache(self, cache_dir: Path) -> dict[str, str]:
        return {**self.env, "NNLINT_CACHE_DIR": str(cache_dir)}


def _finding_count(run: Run) -> Optional[int]:
    try:
        return len(json.loads(run.stdout or "[]"))
    except ValueError:
        return None


# ------------------------------------------------------------------ peers


def find_peer(explicit: Optional[str], name: str) -> Optional[list[str]]:
    if explicit:
        return shlex.split(explicit)
    on_path = shutil.which(name)
    if on_path:
        return [on_path]
    in_venv = PEERS_VENV_BIN / name
    return [str(in_venv)] if in_venv.exists() else None


def peer_version(command: Sequence[str]) -> str:
    try:
        done = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    found = re.search(r"\d+(?:\.\d+)+", done.stdout or done.stderr)
    return found.group(0) if found else "?"


# ------------------------------------------------------------------ the table


@dataclass
class Row:
    name: str
    seconds: Optional[float]
    files: int
    note: str = ""
    lower_bound: bool = False  # the run was stopped at a timeout: the real time is longer
    memory: Optional[Run] = None


def _format_seconds(row: Row) -> str:
    if row.seconds is None:
        return "skipped"
    return f"{'>' if row.lower_bound else ''}{row.seconds:.2f}"


def render_table(rows: Sequence[Row], floor: Optional[float], peers: dict[str, Optional[Row]]) -> str:
    peer_names = [name for name, row in peers.items() if row is not None and row.seconds]
    header = ["measurement", "files", "seconds", "CPU s", "files/s", "× floor"] + [f"{name} ÷ this" for name in peer_names]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    for row in rows:
        cells = [row.name, str(row.files), _format_seconds(row),
                 f"{row.memory.cpu_seconds:.2f}" if row.memory is not None else ""]
        if row.seconds:
            cells.append(f"{row.files / row.seconds:.1f}")
            cells.append(f"{row.seconds / floor:.2f}" if floor and row.files > 1 else "")
            for name in peer_names:
                peer = peers[name]
                assert peer is not None and peer.seconds
                own_peer = row.name.startswith(name)
                ratio = peer.seconds / row.seconds
                cells.append("" if own_peer or row.files == 1 else f"{'>' if peer.lower_bound else ''}{ratio:.1f}")
        else:
            cells += [""] * (2 + len(peer_names))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _best(runs: Sequence[Run]) -> Run:
    return min(runs, key=lambda run: run.seconds)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="a directory of Python files (never modified)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="processes for the floor, nnlint and TorchFix (default: CPU count)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each corpus measurement; the best is kept")
    parser.add_argument("--single-file-runs", type=int, default=10, help="runs of the one-file check; the best is kept")
    parser.add_argument("--torchfix", metavar="CMD", help="TorchFix command (default: on PATH or in /tmp/peers/bin)")
    parser.add_argument("--fixit", metavar="CMD", help="Fixit command (default: on PATH or in /tmp/peers/bin)")
    parser.add_argument("--no-peers", action="store_true", help="do not run TorchFix or Fixit")
    parser.add_argument("--peer-timeout", type=float, default=1800.0,
                        help="stop a peer after this many seconds and report a lower bound (default 1800)")
    parser.add_argument("--python", default=sys.executable, help="the Python that runs nnlint and the floor")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        parser.error(f"{args.corpus} is not a directory")
    if args.jobs < 1 or args.repeat < 1 or args.single_file_runs < 1:
        parser.error("--jobs, --repeat and --single-file-runs must be at least 1")

    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="nnlint-bench-") as scratch_name:
        scratch = Path(scratch_name)
        nnlint = NnlintCli.probe(args.python, scratch / "bytecode")
        notes.append("nnlint's modules were byte-compiled beforehand (into a temporary PYTHONPYCACHEPREFIX), "
                     "as an installed nnlint is")
        copy_root = scratch / "corpus"
        files = copy_corpus(args.corpus.resolve(), copy_root)
        if not files:
            parser.error(f"no .py files under {args.corpus}")
        count = len(files)
        mention_torch = sum(1 for p in files if b"torch" in p.read_bytes())
        lines_total = sum(p.read_bytes().count(b"\n") for p in files)
        print(f"corpus: {args.corpus} — {count} files, {lines_total} lines, {mention_torch} mention torch", flush=True)
        print(f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}, "
              f"libcst {_libcst_version(args.python)}; jobs: {args.jobs}; "
              f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
              f"load average before: {_load()}", flush=True)
        file_list = scratch / "files.txt"
        file_list.write_text("".join(f"{p}\n" for p in files), encoding="utf-8")
        rows: list[Row] = []

        # -- the floor
        floor_runs = [run_timed([args.python, str(PARSE_FLOOR), "--jobs", str(args.jobs), str(file_list)])
                      for _ in range(args.repeat)]
        for run in floor_runs:
            if run.returncode != 0:
                print(run.stderr, file=sys.stderr)
                return 2
        floor = _best(floor_runs).seconds
        parsed, refused = map(int, floor_runs[0].stdout.split())
        rows.append(Row(f"libcst.parse_module, {args.jobs} processes (floor)", floor, count,
                        memory=_best(floor_runs)))
        if refused:
            notes.append(f"libcst refused {refused} of the files (syntax it does not accept); their attempt is timed")
        print(f"  floor: {floor:.2f} s", flush=True)

        # -- nnlint cold, warm, warm after 5 edits
        if not nnlint.has_jobs:
            notes.append("this nnlint has no --jobs option: it ran in one process while the floor used "
                         f"{args.jobs}")
        cold_runs: list[Run] = []
        cache_dir = scratch / "cache"
        for attempt in range(args.repeat):
            shutil.rmtree(cache_dir, ignore_errors=True)
            cache_dir.mkdir()
            run = run_timed(nnlint.command([str(copy_root)], args.jobs), env=nnlint.env_with_cache(cache_dir))
            if run.returncode != 0:
                print(run.stderr, file=sys.stderr)
                return 2
            cold_runs.append(run)
        cold = _best(cold_runs).seconds
        findings = _finding_count(cold_runs[0])
        rows.append(Row("nnlint cold (empty cache)", cold, count, memory=_best(cold_runs),
                        note=f"{findings} findings"))
        print(f"  nnlint cold: {cold:.2f} s, {findings} findings", flush=True)
        stray = copy_root / ".nnlint_cache"
        has_cache = any(cache_dir.iterdir())
        if stray.exists():
            notes.append("nnlint wrote .nnlint_cache into the linted directory despite NNLINT_CACHE_DIR")
        if has_cache:
            warm_runs = [run_timed(nnlint.command([str(copy_root)], args.jobs), env=nnlint.env_with_cache(cache_dir))
                         for _ in range(args.repeat)]
            warm_findings = _finding_count(warm_runs[0])
            rows.append(Row("nnlint warm (nothing changed)", _best(warm_runs).seconds, count, memory=_best(warm_runs),
                            note=f"{warm_findings} findings"))
            if warm_findings != findings:
                notes.append(f"WARNING: the warm run reported {warm_findings} findings, the cold run {findings}")
            touched = spread(files, _TOUCHED_FILES)
            touched_runs = []
            for generation in range(args.repeat):
                touch(touched, generation)
                touched_runs.append(run_timed(nnlint.command([str(copy_root)], args.jobs),
                                              env=nnlint.env_with_cache(cache_dir)))
            rows.append(Row(f"nnlint warm, {len(touched)} files edited", _best(touched_runs).seconds, count,
                            memory=_best(touched_runs)))
            print(f"  nnlint warm: {rows[-2].seconds:.2f} s; {len(touched)} edited: {rows[-1].seconds:.2f} s",
                  flush=True)
        else:
            reason = "NNLINT_CACHE_DIR stayed empty: this nnlint has no cache"
            rows.append(Row("nnlint warm (nothing changed)", None, count, note=reason))
            rows.append(Row(f"nnlint warm, {_TOUCHED_FILES} files edited", None, count, note=reason))

        # -- peers, on the same copy
        peers: dict[str, Optional[Row]] = {"TorchFix": None, "Fixit": None}
        if args.no_peers:
            notes.append("peers not run (--no-peers)")
        else:
            peer_commands = {
                "TorchFix": (find_peer(args.torchfix, "torchfix"),
                             lambda c: [*c, "--select", "ALL", "--jobs", str(args.jobs), str(copy_root)]),
                "Fixit": (find_peer(args.fixit, "fixit"), lambda c: [*c, "lint", str(copy_root)]),
            }
            for name, (found, build) in peer_commands.items():
                if found is None:
                    notes.append(f"{name} not found (give --{name.lower()} CMD, put it on PATH, or "
                                 f"`python -m venv /tmp/peers && /tmp/peers/bin/pip install torchfix fixit`)")
                    continue
                command = build(found)
                run = run_timed(command, timeout=args.peer_timeout)
                row = Row(f"{name} {peer_version(found)}", run.seconds, count, lower_bound=run.timed_out, memory=run)
                peers[name] = row
                rows.append(row)
                shown = " ".join(shlex.quote(part) for part in command).replace(str(copy_root), "CORPUS")
                peer_python = Path(found[0]).parent / "python"
                with_libcst = f" with libcst {_libcst_version(str(peer_python))}" if peer_python.exists() else ""
                notes.append(f"{name}: `{shown}`{with_libcst}" + (f" (stopped after {args.peer_timeout:.0f} s)" if run.timed_out
                                                        else f" (exit status {run.returncode})"))
                print(f"  {name}: {'>' if run.timed_out else ''}{run.seconds:.2f} s", flush=True)

        # -- one 300-line file, whole process (the editor-on-save case)
        single = scratch / SINGLE_FILE.name
        shutil.copyfile(SINGLE_FILE, single)
        single_lines = single.read_bytes().count(b"\n")
        single_runs = []
        for attempt in range(args.single_file_runs):
            fresh_cache = scratch / f"single-cache-{attempt}"
            fresh_cache.mkdir()
            single_runs.append(run_timed(nnlint.command([str(single)], args.jobs, output_format="text",
                                                        no_cache=True), env=nnlint.env_with_cache(fresh_cache)))
        rows.append(Row(f"nnlint check on one {single_lines}-line file (best of {args.single_file_runs})",
                        _best(single_runs).seconds, 1, memory=_best(single_runs)))
        imports_torch = _imports_torch(nnlint)

    print()
    print(f"load average after: {_load()} (other processes on the machine slow every wall-clock time; "
          "CPU s is affected less)")
    print(render_table(rows, floor, peers))
    print()
    print("peak memory (resident): " + "; ".join(
        f"{row.name}: {row.memory.tree_peak_kb / 1024:.0f} MB whole tree, "
        f"{row.memory.largest_process_kb / 1024:.0f} MB largest process"
        for row in rows if row.memory is not None))
    print(f"`import nnlint` / `nnlint check` import torch: {imports_torch}")
    for row in rows:
        if row.note:
            print(f"- {row.name}: {row.note}")
    for note in notes:
        print(f"- {note}")
    print()
    print(_targets(rows, floor, peers, imports_torch))
    return 0


def _load() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def _libcst_version(python: str) -> str:
    done = subprocess.run([python, "-c", "import importlib.metadata as m; print(m.version('libcst'))"],
                          capture_output=True, text=True)
    return done.stdout.strip() or "?"


def _imports_torch(nnlint: NnlintCli) -> str:
    probe = "import sys, nnlint, nnlint.cli, nnlint.lint; print('torch' in sys.modules)"
    after_import = subprocess.run([nnlint.python, "-c", probe], env=nnlint.env, capture_output=True, text=True)
    check = subprocess.run([nnlint.python, "-X", "importtime", "-m", "nnlint", "check", "--exit-zero", "--isolated",
                            str(SINGLE_FILE)], env=nnlint.env, capture_output=True, text=True)
    imported = {line.rsplit("|", 1)[-1].strip() for line in check.stderr.splitlines() if line.startswith("import time:")}
    return (f"import nnlint: {after_import.stdout.strip() or after_import.stderr.strip()}; "
            f"nnlint check (python -X importtime): {'torch' in imported}")


def _targets(rows: Sequence[Row], floor: float, peers: dict[str, Optional[Row]], imports_torch: str) -> str:
    """Issue 5's targets, each with the measured value."""
    by_name = {row.name.split(" (")[0]: row for row in rows}
    cold = by_name.get("nnlint cold")
    warm = by_name.get("nnlint warm")
    edited = next((row for row in rows if row.name.startswith("nnlint warm,")), None)
    single = next((row for row in rows if row.files == 1), None)
    lines = ["targets (issue 5):"]

    def verdict(ok: Optional[bool]) -> str:
        return "n/a" if ok is None else ("met" if ok else "NOT met")

    if cold and cold.seconds:
        ratio = cold.seconds / floor
        lines.append(f"- cold ≤ 1.5× floor: {ratio:.2f}× — {verdict(ratio <= 1.5)}")
        for name, peer in peers.items():
            if peer is not None and peer.seconds:
                speedup = peer.seconds / cold.seconds
                # A peer stopped at the timeout is at least this slow: a low ratio is then unknown.
                ok = None if peer.lower_bound and speedup < 10 else speedup >= 10
                lines.append(f"- cold ≥ 10× faster than {name}: {'>' if peer.lower_bound else ''}{speedup:.1f}× — "
                             f"{verdict(ok)}")
    if cold and cold.seconds and warm and warm.seconds:
        lines.append(f"- warm ≥ 20× faster than cold: {cold.seconds / warm.seconds:.1f}× — "
                     f"{verdict(cold.seconds / warm.seconds >= 20)}")
    else:
        lines.append("- warm ≥ 20× faster than cold: n/a (no cache)")
    if edited and edited.seconds:
        lines.append(f"- warm, 5 files edited < 1 s: {edited.seconds:.2f} s — {verdict(edited.seconds < 1)}")
    if single and single.seconds:
        lines.append(f"- one 300-line file < 0.4 s: {single.seconds:.3f} s — {verdict(single.seconds < 0.4)}; "
                     f"torch imported: {imports_torch}")
    peak = max((row.memory.tree_peak_kb or row.memory.largest_process_kb for row in rows
                if row.memory is not None and row.name.startswith("nnlint")), default=0)
    lines.append(f"- peak memory < 400 MB: {peak / 1024:.0f} MB — {verdict(peak < 400 * 1024)}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
