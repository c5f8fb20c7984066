"""Faults around the analysis: the cache killed mid-write, a full disk, a read-only project;
--fix never writing a file that does not parse; dynamic-mode models that flood the output or
fork. Each time, the results are the ones a clean run gives and nothing is left behind.
(tests/test_cache.py covers corrupt entries, concurrent runs and an unwritable location;
tests/test_dynamic.py hangs, crashes and memory exhaustion.)"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import nnlint.cache
from nnlint.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SOFTMAX_INTO_CE = """\
import torch
import torch.nn.functional as F


def step(model, x, y):
    return F.cross_entropy(F.softmax(model(x), dim=1), y)
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.nnlint]\n", encoding="utf-8")
    for index in range(30):
        (tmp_path / f"train_{index:02}.py").write_text(SOFTMAX_INTO_CE, encoding="utf-8")
    (tmp_path / "broken.py").write_text("import torch\ndef f(x:\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NNLINT_CACHE_DIR", raising=False)
    monkeypatch.delenv("NNLINT_OUTPUT_FORMAT", raising=False)
    return tmp_path


def check(*args: str) -> tuple[int, str]:
    # One process, so that the simulated faults below reach every cache write.
    result = CliRunner().invoke(cli, ["check", "--output-format", "json", "-j", "1", *args],
                                catch_exceptions=False)
    return result.exit_code, result.stdout


def cache_files(project: Path) -> list[Path]:
    return sorted(p for p in (project / ".nnlint_cache").rglob("*") if p.is_file())


def test_runs_killed_mid_write_leave_no_wrong_results(project):
    expected = check("--no-cache")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "nnlint", "check", "--output-format", "json", "-j", "2", "."]
    for delay in (0.3, 0.6, 0.9, 1.2, 1.6):
        process = subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)  # the run and its worker processes, mid-way
        process.wait()
    # Whatever the killed runs left (entries, temporary files), a run gives the clean result,
    # and so does the next one, served from the cache.
    assert check() == expected
    assert check() == expected


def _fail_writes(monkeypatch, error: int, when: str) -> list[str]:
    """Make the cache's writes fail with `error` at `when` ('mkdir', 'write' or 'replace')."""
    failures: list[str] = []

    def refuse(*args, **kwargs):
        failures.append(when)
        raise OSError(error, os.strerror(error))

    if when == "mkdir":
        monkeypatch.setattr(Path, "mkdir", refuse)
    elif when == "replace":
        monkeypatch.setattr(nnlint.cache.os, "replace", refuse)
    else:
        real = nnlint.cache.tempfile.NamedTemporaryFile

        def half_written(*args, **kwargs):
            handle = real(*args, **kwargs)

            class Full:
                name = handle.name

                def write(self, text):
                    handle.write(text[: len(text) // 2])
                    handle.flush()
                    refuse()

                def __enter__(self):
                    return self

                def __exit__(self, *exc):
                    handle.close()
                    return False

            return Full()

        monkeypatch.setattr(nnlint.cache.tempfile, "NamedTemporaryFile", half_written)
    return failures


@pytest.mark.parametrize(("error", "when"), [(errno.ENOSPC, "write"), (errno.ENOSPC, "replace"),
                                            (errno.EROFS, "mkdir"), (errno.EROFS, "replace")],
                         ids=["disk-full-while-writing", "disk-full-at-rename", "read-only-project",
                              "read-only-at-rename"])
def test_cache_write_failures_still_give_the_full_result(project, monkeypatch, error, when):
    expected = check("--no-cache")
    with monkeypatch.context() as patched:
        failures = _fail_writes(patched, error, when)
        assert check() == expected
        assert failures, "the simulated fault never happened"
    # Nothing half-written is left to be read back.
    assert not [p for p in cache_files(project) if p.name.startswith(".tmp-")]
    assert check() == expected


def test_fix_never_writes_a_file_that_does_not_parse(project, monkeypatch):
    """A fix whose result would not parse is refused, whatever the rule proposed."""
    from nnlint.fix import loop

    target = project / "m.py"
    source = "import torch\nimport torch.nn.functional as F\n\n\ndef nll(logits, y):\n" \
             "    return F.nll_loss(torch.log(F.softmax(logits, dim=1)), y)\n"
    target.write_text(source, encoding="utf-8")
    real_apply = loop.apply_fixes
    monkeypatch.setattr(loop, "apply_fixes", lambda text, fixes: (real_apply(text, fixes) or text) + "def (:\n")
    # NNL202 is opt-in; its fix is the one whose broken result is refused.
    result = CliRunner().invoke(cli, ["check", "--no-cache", "--extend-select", "NNL202", "--fix", "--unsafe-fixes",
                                      "m.py"])
    assert "NNL202" in result.output, result.output
    assert target.read_text(encoding="utf-8") == source


FLOODS_AND_FORKS = '''\
import os
import sys
import time

import torch
import torch.nn as nn

PID_FILE = {pid_file!r}


class Floods(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        chunk = "spam " * 20_000 + "\\n"
        for _ in range(50):  # about 5 MB on each stream
            sys.stdout.write(chunk)
            sys.stderr.write(chunk)
        print('{{"event": "done"}}')
        return self.fc(x)


class Forks(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        child = os.fork()
        if child == 0:
            time.sleep(600)
            os._exit(0)
        with open(PID_FILE, "a") as handle:
            handle.write(f"{{child}}\\n")
        return self.fc(x)


class Healthy(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)
'''


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_dynamic_models_that_flood_output_or_fork(tmp_path):
    pytest.importorskip("torch")
    from nnlint.dynamic.isolation import run_module
    from nnlint.dynamic.session import build_request
    from nnlint.dynamic.settings import DynamicSettings

    pid_file = tmp_path / "forked.pid"
    module = tmp_path / "models.py"
    module.write_text(FLOODS_AND_FORKS.format(pid_file=str(pid_file)), encoding="utf-8")
    settings = DynamicSettings(timeout=20, memory_mb=2048)
    outcome = run_module(build_request(str(module), settings, str(tmp_path), {}), settings.timeout,
                         settings.memory_mb)
    statuses = {name: report["status"] for name, report in outcome.reports.items()}
    assert not outcome.error, outcome.error
    # Every model gets an answer; the noise and the fork do not break the protocol.
    assert statuses["Healthy"] == "ok", outcome.reports
    assert statuses["Floods"] == "ok", outcome.reports["Floods"]
    # Each call forks a process that sleeps, holding the report pipe: the model's fork is
    # done when it exits, not when that pipe closes (which would be the time limit).
    assert statuses["Forks"] == "ok", outcome.reports["Forks"]
    forked = [int(pid) for pid in pid_file.read_text().split()]
    assert forked, "the model never forked"
    # Every forked process is killed with the run (dying takes a moment on a busy machine).
    deadline = time.monotonic() + 20
    while any(_running(pid) for pid in forked) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in forked if _running(pid)]


PRINTS_IN_A_LOOP = """\
import sys

import torch.nn as nn


class Prints(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        line = "spam " * 13_000 + "\\n"
        for _ in range(3_000):  # 200 MB
            sys.stdout.write(line)
        sys.stdout.write("the last words\\n")
        sys.stdout.flush()

    def forward(self, x):
        return self.fc(x)
"""


def test_a_model_printing_in_a_loop_costs_no_disk_and_its_output_is_capped(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    import tempfile
    import threading

    from nnlint.dynamic.isolation import run_module
    from nnlint.dynamic.session import build_request
    from nnlint.dynamic.settings import DynamicSettings

    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    module = tmp_path / "prints.py"
    module.write_text(PRINTS_IN_A_LOOP, encoding="utf-8")
    peak, done = [0], threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], sum(p.stat().st_size for p in temporary.rglob("*") if p.is_file()))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    settings = DynamicSettings(timeout=60)
    request = build_request(str(module), settings, str(tmp_path), {})
    request["options"]["fit"] = False
    try:
        outcome = run_module(request, settings.timeout, settings.memory_mb)
    finally:
        done.set()
        watcher.join()
    assert outcome.reports["Prints"]["status"] == "ok", outcome.reports
    assert peak[0] < 1 << 20, f"{peak[0]} bytes of temporary files"
    assert len(outcome.output) < 200_000
    assert "bytes of output dropped here" in outcome.output
    head, tail = outcome.output.split("bytes of output dropped here")
    assert "spam spam" in head and tail.rstrip().endswith("the last words")
