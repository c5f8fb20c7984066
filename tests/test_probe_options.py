"""`nnlint probe` and `check --dynamic` as a user drives them: constructor arguments on the
command line, clear errors for a misspelled model key and for an input the model rejects,
the default number of classes, progress on stderr, and the report folder of pictures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("torch")

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 180

MODELS = textwrap.dedent('''\
    import torch
    from torch import nn


    class Wide(nn.Module):
        def __init__(self, inputs, hidden=8):
            super().__init__()
            self.fc1 = nn.Linear(inputs, hidden)
            self.fc2 = nn.Linear(hidden, 3)

        def forward(self, x):
            return self.fc2(torch.relu(self.fc1(x)))


    class EndsInReLU(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4), nn.ReLU())

        def forward(self, x):
            return self.body(x)
''')


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.nnlint]\n")
    (tmp_path / "model.py").write_text(MODELS)
    return tmp_path


def nnlint(args: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnlint", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=TIMEOUT, env={**os.environ, "PYTHONPATH": str(REPO)}, **kwargs)


def test_probe_builds_a_model_from_command_line_arguments(project: Path) -> None:
    run = nnlint(["probe", "model.py:Wide", "--args", "[10]", "--kwargs", '{"hidden": 64}'], project)
    assert run.returncode == 0, run.stderr
    # Linear(10, 64) + Linear(64, 3): the arguments reached the constructor.
    assert run.stdout.startswith("nnlint probe model.py:Wide: 899 parameters\n")
    assert "shape (8, 10) from the first layer with weights, fc1 = Linear" in run.stdout


def test_probe_without_required_arguments_says_how_to_give_them(project: Path) -> None:
    run = nnlint(["probe", "model.py:Wide"], project)
    assert run.returncode == 2
    assert "needs arguments (inputs)" in run.stderr and "--args" in run.stderr


@pytest.mark.parametrize("option, value, message", [
    ("--args", "10", "--args must be a JSON list"),
    ("--args", "[10", "--args is not valid JSON"),
    ("--kwargs", "[64]", "--kwargs must be a JSON object"),
])
def test_probe_rejects_malformed_arguments(project: Path, option: str, value: str, message: str) -> None:
    run = nnlint(["probe", "model.py:Wide", option, value], project)
    assert run.returncode == 2 and message in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("key, message", [
    ("model:Wid", "model.py defines no 'Wid' (did you mean 'Wide'?)"),
    ("modle:Wide", "no file modle.py in the project (did you mean 'model'?)"),
    ("model.py:Wid", "model.py defines no 'Wid' (did you mean 'Wide'?)"),
])
def test_unknown_model_key_is_an_error_naming_it(project: Path, key: str, message: str) -> None:
    (project / "pyproject.toml").write_text(f'[tool.nnlint.dynamic.models."{key}"]\nargs = [10]\n')
    for command in (["probe", "model.py:EndsInReLU"], ["check", "--dynamic", "model.py"]):
        run = nnlint(command, project)
        assert run.returncode == 2, (command, run.stdout, run.stderr)
        assert f'[tool.nnlint.dynamic.models."{key}"]' in run.stderr and message in run.stderr, run.stderr


def test_a_wrong_input_names_the_layer_and_the_shape_it_expects(project: Path) -> None:
    run = nnlint(["probe", "model.py:Wide", "--args", "[10]", "--input", "8,16"], project)
    assert run.returncode == 2
    message = run.stderr
    assert "fc1 = Linear(in_features=10, out_features=8" in message, message
    assert "expects (N, 10)" in message
    assert "mat1 and mat2 shapes cannot be multiplied" in message
    assert "leave out --input" in message and "(8, 10)" in message


def test_classes_default_to_the_output_width_also_after_a_final_relu(project: Path) -> None:
    run = nnlint(["probe", "model.py:EndsInReLU"], project)
    assert run.returncode == 0, run.stderr
    assert "  classes           4\n" in run.stdout
    assert "one item/class    not checked" not in run.stdout


SLOW = textwrap.dedent('''\
    import time

    import torch
    from torch import nn


    class Slow(nn.Module):
        def __init__(self):
            super().__init__()
            time.sleep(1.5)  # a run that lasts more than a second, on any machine
            self.fc = nn.Linear(4, 2)

        def forward(self, x):
            return self.fc(x)
''')


def test_progress_goes_to_stderr_as_plain_lines_when_it_is_not_a_terminal(project: Path) -> None:
    (project / "slow.py").write_text(SLOW)
    run = nnlint(["check", "--dynamic", "--output-format", "json", "slow.py"], project)
    assert run.returncode in (0, 1), run.stderr
    assert isinstance(json.loads(run.stdout), list)  # stdout stays machine-readable
    assert run.stderr.splitlines() == [
        "nnlint: dynamic mode: probing the models of 1 file ...",
        run.stderr.splitlines()[1],
    ]
    assert run.stderr.splitlines()[1].startswith("nnlint: dynamic mode: probing the models of 1 file: done in ")
    probe = nnlint(["probe", "slow.py:Slow"], project)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.startswith("nnlint probe slow.py:Slow: ")
    assert probe.stderr.startswith("nnlint: probing slow.py:Slow ...\nnnlint: probing slow.py:Slow: done in ")


def test_progress_on_a_terminal_is_one_line_rewritten_and_erased(project: Path) -> None:
    pty = pytest.importorskip("pty")
    (project / "slow.py").write_text(SLOW)
    controller, terminal = pty.openpty()
    try:
        run = subprocess.run([sys.executable, "-m", "nnlint", "probe", "slow.py:Slow"], cwd=project,
                             stdout=subprocess.PIPE, stderr=terminal, timeout=TIMEOUT,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal's other end is closed: everything was read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(controller)
    assert run.returncode == 0
    assert run.stdout.decode().startswith("nnlint probe slow.py:Slow: ")
    text = shown.decode()
    assert text.startswith("\rnnlint: probing slow.py:Slow, 1 s"), text
    assert "\n" not in text and text.endswith("\r")


PNG = b"\x89PNG\r\n\x1a\n"


def test_check_dynamic_report_dir_holds_both_experiments_as_pictures(project: Path) -> None:
    pytest.importorskip("matplotlib")
    (project / "pyproject.toml").write_text('[tool.nnlint.dynamic.models."model:Wide"]\nargs = [10]\n')
    run = nnlint(["check", "--dynamic", "--output-format", "json", "--report-dir", "report", "model.py"], project)
    assert run.returncode == 1, run.stderr  # NNL904: EndsInReLU's clipped scores cannot fit every class
    assert {record["code"] for record in json.loads(run.stdout)} == {"NNL904"}
    report = project / "report"
    pictures = sorted(path.name for path in report.glob("*.png"))
    assert pictures == ["model_EndsInReLU-fit.png", "model_EndsInReLU-learning-curve.png",
                        "model_Wide-fit.png", "model_Wide-learning-curve.png"]
    for name in pictures:
        assert (report / name).read_bytes().startswith(PNG)
    page = (report / "index.html").read_text(encoding="utf-8")
    for name in pictures:
        assert f'<img src="{name}"' in page
    assert "<h2>model:Wide</h2>" in page and "learned all 3 samples" in page
    assert "cannot learn classes" in page  # EndsInReLU


def test_probe_report_dir_and_a_missing_plotting_library(project: Path) -> None:
    pytest.importorskip("matplotlib")
    run = nnlint(["probe", "model.py:EndsInReLU", "--report-dir", "pictures"], project)
    assert run.returncode == 0, run.stderr
    assert run.stdout.endswith("pictures written to pictures/index.html\n")
    assert sorted(path.name for path in (project / "pictures").iterdir()) == [
        "index.html", "model.py_EndsInReLU-fit.png", "model.py_EndsInReLU-learning-curve.png"]


@pytest.mark.parametrize("command", [["check", "--dynamic", "model.py"], ["probe", "model.py:EndsInReLU"]])
def test_report_dir_without_matplotlib_says_how_to_install_it(project: Path, command: list[str]) -> None:
    code = ("import sys; sys.modules['matplotlib'] = None; from nnlint.cli import main; "
            f"main({command + ['--report-dir', 'report']!r})")
    run = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, timeout=TIMEOUT,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 2
    assert run.stderr == "nnlint: error: --report-dir needs matplotlib (nnlint's `plot` extra): pip install matplotlib\n"
    assert not (project / "report").exists()


def test_report_dir_needs_dynamic_and_a_folder(project: Path) -> None:
    run = nnlint(["check", "--report-dir", "report", "model.py"], project)
    assert run.returncode == 2 and "--report-dir draws the dynamic mode's experiments: add --dynamic" in run.stderr
    (project / "notes.txt").write_text("mine\n")
    run = nnlint(["probe", "model.py:EndsInReLU", "--report-dir", "notes.txt"], project)
    assert run.returncode == 2 and "Directory 'notes.txt' is a file" in run.stderr
    assert (project / "notes.txt").read_text() == "mine\n"
