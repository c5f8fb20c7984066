"""nnlint inside flake8: through flake8's own command line, as its users run it.

flake8 finds plugins by their entry points, which exist only once nnlint is installed
(`pip install -e '.[test]'`, as CI does); without them these tests are skipped, saying why.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest.importorskip("flake8", reason="flake8 is in the `test` extra")

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 60


def _registered() -> bool:
    return any(point.name == "NNL" and point.value.startswith("nnlint.")
               for point in entry_points(group="flake8.extension"))


pytestmark = pytest.mark.skipif(
    not _registered(),
    reason="nnlint's flake8 entry point is not registered: install nnlint (pip install -e .) to test the plugin",
)

BUGGY = textwrap.dedent("""\
    import torch
    import torch.nn.functional as F


    def loss(logits):
        tag = "é😋"; p = torch.log(F.softmax(logits, dim=-1))
        return p


    def predict(x):
        return torch.nn.Softmax()(x)  # noqa: NNL107
""")


# NNL202 is opt-in; these projects enable it, since its finding is the example followed here.
ENABLE_NNL202 = 'extend-select = ["NNL202"]\n'


def flake8(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "flake8", "--isolated", *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, timeout=TIMEOUT)


def test_flake8_reports_nnlint_findings_with_zero_based_columns(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.nnlint]\n" + ENABLE_NNL202)
    (tmp_path / "model.py").write_text(BUGGY, encoding="utf-8")
    result = flake8("--select", "NNL", "model.py", cwd=tmp_path)
    line = BUGGY.splitlines()[5]
    column = line.index("torch.log") + 1  # flake8 prints columns from 1, in characters
    assert result.stdout.splitlines() == [
        f"model.py:6:{column}: NNL202 log of softmax output can be -inf (NaN gradients) when it underflows "
        "to 0; use log_softmax, which computes the same values stably."
    ], result.stderr
    assert result.returncode == 1


def test_flake8_applies_nnlint_config_and_its_own_selection(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.nnlint]\n' + ENABLE_NNL202 + 'per-file-ignores = { "legacy/*" = ["NNL2"] }\n')
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.py").write_text(BUGGY, encoding="utf-8")
    (tmp_path / "model.py").write_text(BUGGY, encoding="utf-8")
    assert flake8("--select", "NNL", "legacy/old.py", cwd=tmp_path).stdout == ""
    assert "NNL202" in flake8("--select", "NNL", "model.py", cwd=tmp_path).stdout
    assert flake8("--select", "NNL", "--extend-ignore", "NNL202", "model.py", cwd=tmp_path).stdout == ""
    # Only the NNL prefix is ours: flake8's own checks are unaffected.
    assert "NNL" not in flake8("--select", "E,W,F", "model.py", cwd=tmp_path).stdout


def test_flake8_on_stdin_uses_the_display_name(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.nnlint]\n' + ENABLE_NNL202 + 'per-file-ignores = { "legacy/*" = ["NNL2"] }\n')
    named = flake8("--select", "NNL", "--stdin-display-name", "legacy/old.py", "-", cwd=tmp_path, stdin=BUGGY)
    assert named.stdout == "" and named.returncode == 0, named.stderr
    unnamed = flake8("--select", "NNL", "-", cwd=tmp_path, stdin=BUGGY)
    assert unnamed.stdout.startswith("stdin:6:") and "NNL202" in unnamed.stdout


def test_a_broken_nnlint_config_is_reported_not_ignored(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.nnlint]\nselectt = ['NNL2']\n")
    (tmp_path / "model.py").write_text(BUGGY, encoding="utf-8")
    result = flake8("--select", "NNL", "model.py", cwd=tmp_path)
    assert result.returncode != 0
    assert "unknown key 'selectt'" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
