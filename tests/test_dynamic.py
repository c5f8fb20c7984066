"""Dynamic mode on small real models (tests/dynamic_models): isolation of misbehaving models,
the probes that confirm static findings, and the NNL9xx findings.

Each module fixture starts the child process once per file, so the whole file costs a few
torch imports, not one per test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("torch")

from nnlint.diagnostic import Diagnostic
from nnlint.dynamic.confirmation import Confirmer
from nnlint.dynamic.findings import dynamic_findings
from nnlint.dynamic.isolation import run_module
from nnlint.dynamic.session import build_request
from nnlint.dynamic.settings import DynamicSettings
from nnlint.lint import lint_source

MODELS = Path(__file__).parent / "dynamic_models"
PROBED = MODELS / "probed.py"
ISOLATED = MODELS / "isolated.py"
TIMEOUT = 6.0


@pytest.fixture(scope="module")
def probed():
    settings = DynamicSettings(timeout=30)
    request = build_request(str(PROBED), settings, str(MODELS), {})
    return run_module(request, settings.timeout, settings.memory_mb)


@pytest.fixture(scope="module")
def isolated(tmp_path_factory):
    pid_file = tmp_path_factory.mktemp("pids") / "helper.pid"
    os.environ["NNLINT_TEST_PID_FILE"] = str(pid_file)
    try:
        settings = DynamicSettings(timeout=TIMEOUT, memory_mb=2048)
        request = build_request(str(ISOLATED), settings, str(MODELS), {})
        started = time.monotonic()
        outcome = run_module(request, settings.timeout, settings.memory_mb)
        elapsed = time.monotonic() - started
    finally:
        del os.environ["NNLINT_TEST_PID_FILE"]
    return outcome, elapsed, pid_file


def _static(path: Path) -> list[Diagnostic]:
    return lint_source(path.read_bytes(), str(path), {"NNL101", "NNL201", "NNL301", "NNL302", "NNL402"})


def _confirmations(outcome, path: Path) -> dict[tuple[str, int], object]:
    confirmer = Confirmer(outcome, "probed", 1e-3)
    return {(d.code, d.start.line): confirmer.confirm(d) for d in _static(path)}


def _dynamic_codes(outcome, path: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    starts = {c["start"]: c["name"] for c in outcome.candidates}
    for diagnostic in dynamic_findings(outcome, str(path), path.read_text().splitlines(), {}):
        found.setdefault(starts[diagnostic.start.line], set()).add(diagnostic.code)
    return found


# --- isolation -------------------------------------------------------------------------------

def test_hanging_model_times_out_and_leaves_nothing_running(isolated):
    outcome, elapsed, pid_file = isolated
    report = outcome.reports["Hangs"]
    assert report["status"] == "timeout" and f"within {TIMEOUT:g} s" in report["detail"]
    helper = int(pid_file.read_text())
    time.sleep(0.2)
    assert not _running(helper)


def _running(pid: int) -> bool:
    """Alive and not a zombie (an init that does not reap, as in some containers, keeps zombies)."""
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


def test_os_exit_segfault_and_memory_get_a_status(isolated):
    reports = isolated[0].reports
    assert reports["Exits"]["status"] == "crash" and "exited with status 3" in reports["Exits"]["detail"]
    assert reports["Segfaults"]["status"] == "crash" and "SIGSEGV" in reports["Segfaults"]["detail"]
    assert reports["EatsMemory"]["status"] == "out-of-memory"


def test_keyboard_interrupt_raised_by_a_model_is_its_error_not_a_clean_exit(isolated):
    report = isolated[0].reports["InterruptsItself"]
    assert report["status"] == "error", report
    assert report["detail"] == "KeyboardInterrupt: raised by the model"


def test_constructor_errors_are_named(isolated):
    reports = isolated[0].reports
    assert reports["RaisesInInit"]["status"] == "constructor-error"
    assert "weights file not found" in reports["RaisesInInit"]["detail"]
    needs = reports["NeedsArguments"]
    assert (needs["status"], needs["detail"]) == ("needs-arguments", "in_dim, n_cls")


def test_a_class_whose_base_failed_to_import_says_which_import(isolated):
    report = isolated[0].reports["NeedsMissingPackage"]
    assert report["status"] == "import-error"
    assert "name 'pl' is not defined" in report["detail"]
    assert "No module named 'nnlint_test_missing_package'" in report["detail"]


def test_other_models_still_get_results_within_the_limits(isolated):
    outcome, elapsed, _ = isolated
    assert outcome.reports["Healthy"]["status"] == "ok"
    assert outcome.reports["Healthy"]["probes"]["output_range"]["outputs"][0]["shape"] == [64, 2]
    # One hang (TIMEOUT) plus a few child restarts; far below the default limit of 60 s a model.
    assert elapsed < 60


def test_needs_arguments_status_tells_where_to_give_them(isolated):
    outcome = isolated[0]
    static = Diagnostic("NNL301", "constant-weight-init", "m", str(ISOLATED), *(2 * [_line_of(ISOLATED, "self.fc = nn.Linear(in_dim")]))
    confirmation = Confirmer(outcome, "isolated", 1e-3).confirm(static)
    assert confirmation.status == "not-checked"
    assert confirmation.detail == ('the constructor of NeedsArguments needs arguments (in_dim, n_cls); give them in '
                                   '[tool.nnlint.dynamic.models."isolated:NeedsArguments"]')


def _line_of(path: Path, text: str):
    from nnlint.diagnostic import Position

    number = next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)
    return Position(number, 1)


# --- confirmations and dynamic findings ------------------------------------------------------

def test_softmax_into_cross_entropy_is_confirmed(probed):
    confirmations = _confirmations(probed, PROBED)
    (line,) = [line for code, line in confirmations if code == "NNL101"]
    confirmation = confirmations[("NNL101", line)]
    assert confirmation.status == "confirmed"
    assert "rows of output sum to 1" in confirmation.detail and "SoftmaxClassifier" in confirmation.detail


def test_constant_mlp_is_symmetric_and_cannot_fit_one_sample_per_class(probed):
    confirmations = _confirmations(probed, PROBED)
    (symmetric,) = [value for (code, _), value in confirmations.items() if code == "NNL301"]
    assert symmetric.status == "confirmed" and "rows of fc1.weight" in symmetric.detail
    codes = _dynamic_codes(probed, PROBED)
    assert "NNL904" in codes["ConstantMLP"]
    assert "NNL904" not in codes.get("DefaultMLP", set())
    assert probed.reports["DefaultMLP"]["probes"]["fit"]["unlearned"] == []


def test_log_of_zero_reports_nnl901_naming_the_module(probed):
    findings = [d for d in dynamic_findings(probed, str(PROBED), PROBED.read_text().splitlines(), {})
                if d.code == "NNL901"]
    assert len(findings) == 1 and "the output of pool (LogPool) in LogNet has NaN/Inf" in findings[0].message
    confirmations = _confirmations(probed, PROBED)
    (log,) = [value for (code, _), value in confirmations.items() if code == "NNL201"]
    assert log.status == "confirmed" and "pool (LogPool)" in log.detail


def test_unregistered_list_is_confirmed(probed):
    (listed,) = [value for (code, _), value in _confirmations(probed, PROBED).items() if code == "NNL302"]
    assert listed.status == "confirmed"
    assert "layers holds 2 module(s) with 99 parameters missing from parameters(); forward uses them" in listed.detail


def test_dead_relu_and_vanishing_gradients(probed):
    codes = _dynamic_codes(probed, PROBED)
    assert "NNL902" in codes["DeadReluNet"]
    assert "NNL905" in codes["DeepSigmoid"]
    (deep,) = [value for (code, _), value in _confirmations(probed, PROBED).items() if code == "NNL402"]
    assert deep.status == "confirmed"


def test_flattened_features_are_not_taken_for_class_scores(probed):
    report = probed.reports["FeatureExtractor"]
    assert report["status"] == "ok" and report["classes"] is None
    assert report["probes"]["fit"]["checked"] is False
    assert "FeatureExtractor" not in _dynamic_codes(probed, PROBED)


def test_healthy_models_get_no_dynamic_findings(probed):
    codes = _dynamic_codes(probed, PROBED)
    assert "DefaultMLP" not in codes
    assert codes.get("SoftmaxClassifier", set()) <= {"NNL904"}


# --- the command line ------------------------------------------------------------------------

PARENT_CHECK = """
import sys
from nnlint.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
sys.stderr.write("torch imported in the parent: %s\\n" % ("torch" in sys.modules))
sys.exit(code)
"""


def test_check_dynamic_json_carries_confirmation_and_never_imports_torch_in_parent(tmp_path):
    source = tmp_path / "model.py"
    source.write_text((MODELS / "probed.py").read_text().split("class ConstantMLP")[0]
                      + "\ndef train(model, x, y):\n    return nn.CrossEntropyLoss()(model(x), y)\n")
    run = subprocess.run(
        [sys.executable, "-c", PARENT_CHECK, "check", "--dynamic", "--isolated", "--output-format", "json", str(source)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)},
    )
    assert "torch imported in the parent: False" in run.stderr
    assert run.returncode == 1, run.stderr
    records = json.loads(run.stdout)
    (softmax,) = [r for r in records if r["code"] == "NNL101"]
    assert softmax["confirmation"]["status"] == "confirmed"


def test_dynamic_without_torch_says_how_to_install(monkeypatch, tmp_path):
    from click.testing import CliRunner

    import nnlint.dynamic
    from nnlint.cli import cli

    monkeypatch.setattr(nnlint.dynamic, "torch_available", lambda: False)
    (tmp_path / "m.py").write_text("import torch\n")
    result = CliRunner().invoke(cli, ["check", "--dynamic", "--isolated", str(tmp_path / "m.py")])
    assert result.exit_code == 2
    assert "pip install torch" in result.output


# --- nnlint probe ----------------------------------------------------------------------------

def test_probe_prints_each_experiment_and_the_learning_curve(tmp_path):
    from click.testing import CliRunner

    from nnlint.cli import cli

    result = CliRunner().invoke(cli, ["probe", f"{PROBED}:DefaultMLP", "--input", "8,16", "--classes", "4",
                                      "--isolated"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "  input             shape (8, 16) float32 as configured" in lines
    assert any(line.startswith("  one item/class    learned all 4 samples") for line in lines)
    curve = lines[lines.index("      samples  error") + 1:lines.index("advice:") - 1]
    assert [int(line.split()[0]) for line in curve] == [1, 2, 4, 8, 16, 32, 64]
    assert curve[0].split()[1] == "0.00"


@pytest.mark.parametrize(
    "target, message",
    [
        ("model.py", "give the model as FILE:Name"),
        ("missing.py:Net", "file not found: missing.py"),
    ],
)
def test_probe_bad_target(tmp_path, monkeypatch, target, message):
    from click.testing import CliRunner

    from nnlint.cli import cli

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["probe", target, "--isolated"])
    assert result.exit_code == 2 and message in result.output


def test_probe_rejects_a_malformed_input_shape(tmp_path):
    from click.testing import CliRunner

    from nnlint.cli import cli

    result = CliRunner().invoke(cli, ["probe", f"{PROBED}:DefaultMLP", "--input", "8,abc", "--isolated"])
    assert result.exit_code == 2 and "--input must be a shape like 4,3,32,32" in result.output


def test_a_users_module_named_like_the_stdlib_does_not_break_the_child(tmp_path):
    (tmp_path / "json.py").write_text("raise RuntimeError('the project json.py was imported')\n")
    (tmp_path / "model.py").write_text("import torch.nn as nn\n\nclass Tiny(nn.Module):\n"
                                       "    def __init__(self):\n        super().__init__()\n"
                                       "        self.fc = nn.Linear(3, 2)\n\n    def forward(self, x):\n"
                                       "        return self.fc(x)\n")
    settings = DynamicSettings(timeout=30)
    request = build_request(str(tmp_path / "model.py"), settings, str(tmp_path), {})
    request["options"]["fit"] = False
    outcome = run_module(request, settings.timeout, settings.memory_mb)
    assert outcome.error is None and outcome.reports["Tiny"]["status"] == "ok"


# --- processes: nothing left running, whatever happens to nnlint -----------------------------

ROOT = Path(__file__).parent.parent
NNLINT = [sys.executable, "-m", "nnlint"]


@pytest.fixture
def recorded_pids(tmp_path):
    """The file the test models write their pids to; whatever is still running from that list
    at the end of the test is killed, so a failing test leaves nothing behind either."""
    pid_file = tmp_path / "pids.txt"
    yield pid_file
    for pid in _pids(pid_file):
        try:
            os.kill(pid, 9)
        except OSError:
            pass


def _pids(pid_file: Path) -> list[int]:
    return [int(word) for word in pid_file.read_text().split()] if pid_file.exists() else []


def _still_running(pids: list[int], within: float = 5.0) -> list[int]:
    """The pids still running after `within` seconds (dying takes a moment on a busy machine)."""
    deadline = time.monotonic() + within
    while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [pid for pid in pids if _running(pid)]


def _nnlint(args: list[str], pid_file: Path, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NNLINT_TEST_PID_FILE": str(pid_file)}
    return subprocess.Popen([*NNLINT, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _wait_for_pids(pid_file: Path, count: int, process: subprocess.Popen, limit: float = 120.0) -> list[int]:
    deadline = time.monotonic() + limit
    while len(_pids(pid_file)) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the model never started"
        time.sleep(0.05)
    return _pids(pid_file)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="escaped processes are tracked on Linux")
@pytest.mark.parametrize("signal_number", [15, 2, 9], ids=["SIGTERM", "SIGINT", "SIGKILL"])
def test_killing_nnlint_kills_a_child_hanging_at_import_and_what_it_started(tmp_path, recorded_pids, signal_number):
    import shutil

    module = tmp_path / "hang.py"
    shutil.copy(MODELS / "hangs_at_import.py", module)
    run = _nnlint(["check", "--dynamic", "--isolated", "--no-cache", str(module)], recorded_pids, tmp_path)
    try:
        pids = _wait_for_pids(recorded_pids, 2, run)
        sent = time.monotonic()
        run.send_signal(signal_number)
        out, err = run.communicate(timeout=30)
        stopped = time.monotonic() - sent
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    assert not _still_running(pids), "processes outlived nnlint"
    if signal_number == 2:  # Ctrl-C: within a second, a short message, no traceback
        assert run.returncode == 130, err
        assert stopped < 2.0, stopped
        # The interruption is one line; the progress display (after a second) may stand before it.
        lines = [line for line in err.splitlines() if not line.startswith("nnlint: dynamic mode: probing")]
        assert "Traceback" not in err and "interrupted" in err and len(lines) == 1, err
        assert "done in" not in err, err
    elif signal_number == 15:
        assert run.returncode in (-15, 143), err
        assert "Traceback" not in err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="escaped processes are tracked on Linux")
@pytest.mark.parametrize("command", ["check", "probe"])
def test_processes_started_in_a_new_session_do_not_outlive_the_run(tmp_path, recorded_pids, command):
    import shutil

    module = tmp_path / "escapes.py"
    shutil.copy(MODELS / "escapes.py", module)
    args = (["check", "--dynamic", "--isolated", "--no-cache", str(module)] if command == "check"
            else ["probe", f"{module}:Escapes", "--isolated", "--input", "4,4"])
    run = _nnlint(args, recorded_pids, tmp_path)
    try:
        out, err = run.communicate(timeout=240)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    assert run.returncode in (0, 1), err
    # One at import, and (in the model's fork) one in a new session and one daemon without environment.
    pids = _pids(recorded_pids)
    assert len(pids) >= 3, (pids, err)
    assert not _still_running(pids), "processes outlived nnlint"


def test_a_hang_at_import_is_killed_at_the_time_limit_with_what_it_started(tmp_path, recorded_pids, monkeypatch):
    monkeypatch.setenv("NNLINT_TEST_PID_FILE", str(recorded_pids))
    settings = DynamicSettings(timeout=3)
    started = time.monotonic()
    outcome = run_module(build_request(str(MODELS / "hangs_at_import.py"), settings, str(MODELS), {}),
                         settings.timeout, settings.memory_mb)
    assert time.monotonic() - started < 150
    assert "did not finish within 3 s while importing the module" in outcome.error
    assert not _still_running(_pids(recorded_pids))


# --- results only from nnlint's child, whatever the models print ----------------------------

def test_fake_result_lines_printed_by_the_module_and_a_model_are_not_taken_for_results():
    settings = DynamicSettings(timeout=30)
    request = build_request(str(MODELS / "forges.py"), settings, str(MODELS), {})
    request["options"]["fit"] = False
    outcome = run_module(request, settings.timeout, settings.memory_mb)
    assert outcome.error is None
    assert {name: report["status"] for name, report in outcome.reports.items()} == {"Forges": "ok", "Healthy": "ok"}
    assert '"status": "forged"' in outcome.output  # what was printed is kept as output


def test_a_syntax_error_costs_only_its_own_block(tmp_path):
    module = tmp_path / "model.py"
    module.write_text("import torch.nn as nn\n\n\ndef broken(x:\n    return x\n\n\n"
                      "class Tiny(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                      "        self.fc = nn.Linear(3, 2)\n\n    def forward(self, x):\n        return self.fc(x)\n")
    settings = DynamicSettings(timeout=30)
    request = build_request(str(module), settings, str(tmp_path), {})
    request["options"]["fit"] = False
    outcome = run_module(request, settings.timeout, settings.memory_mb)
    assert outcome.error is None
    assert outcome.reports["Tiny"]["status"] == "ok"
    assert outcome.failures == [{"line": 4, "error": "SyntaxError: '(' was never closed"}]


def test_a_file_with_no_block_that_compiles_says_so(tmp_path):
    module = tmp_path / "model.py"
    module.write_text("# torch\nclass Tiny(nn.Module:\n    pass\n")
    settings = DynamicSettings(timeout=30)
    outcome = run_module(build_request(str(module), settings, str(tmp_path), {}), settings.timeout,
                         settings.memory_mb)
    assert outcome.error.startswith("line 2 has a syntax error (invalid syntax): Python cannot import the "
                                    "file, so no model was built"), outcome.error
