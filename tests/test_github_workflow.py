"""The example GitHub Actions workflow in docs/, run the way a pull request would run it:
its own `run:` commands, in a shallow clone of a merge commit, with the real `git`.

Only `pip install` is left out (nnlint is already importable here) and `uses:` actions are
not run; the upload step is checked to read the file the SARIF step writes.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "docs" / "examples" / "nnlint.yml"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

BASE = "import torch.nn as nn\n\nold = nn.Softmax()\nwidth = 1\n"
PULL_REQUEST = "import torch.nn as nn\n\nold = nn.Softmax()\nwidth = 1\nnew = nn.Softmax()\n"


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd.parent)}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True).stdout.strip()


def steps() -> list[dict]:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"]["nnlint"]["steps"]


@pytest.fixture
def checkout(tmp_path: Path) -> tuple[Path, str]:
    """A shallow clone of a pull request's merge commit, as actions/checkout makes it; and the base sha."""
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git(upstream, "init", "-q", "-b", "main")
    (upstream / "pyproject.toml").write_text("[tool.nnlint]\n")
    (upstream / "model.py").write_text(BASE)
    git(upstream, "add", "-A")
    git(upstream, "commit", "-q", "-m", "base")
    base = git(upstream, "rev-parse", "HEAD")
    git(upstream, "checkout", "-q", "-b", "feature")
    (upstream / "model.py").write_text(PULL_REQUEST)
    git(upstream, "commit", "-q", "-am", "pull request")
    git(upstream, "checkout", "-q", "main")
    git(upstream, "merge", "-q", "--no-ff", "-m", "merge", "feature")  # GitHub's refs/pull/N/merge
    git(upstream, "config", "uploadpack.allowAnySHA1InWant", "true")  # as github.com allows
    workspace = tmp_path / "workspace"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{upstream}", str(workspace))
    return workspace, base


def nnlint_on_path(tmp_path: Path) -> dict[str, str]:
    """The environment of a step after `pip install nnlint`: an `nnlint` command on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    command = bin_dir / "nnlint"
    command.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m nnlint "$@"\n')
    command.chmod(command.stat().st_mode | stat.S_IEXEC)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(ROOT),
            "NNLINT_CACHE_DIR": str(tmp_path / "cache")}


def run_step(step: dict, workspace: Path, env: dict[str, str], base: str) -> subprocess.CompletedProcess:
    step_env = {key: str(value).replace("${{ github.event.pull_request.base.sha }}", base)
                for key, value in step.get("env", {}).items()}
    assert "${{" not in step["run"], "expressions go through env:, not into the shell command"
    # GitHub runs `run:` steps with `bash -e {0}`.
    return subprocess.run(["bash", "-e", "-c", step["run"]], cwd=workspace, env={**env, **step_env},
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_the_workflow_commands_on_a_pull_request(checkout, tmp_path):
    workspace, base = checkout
    env = nnlint_on_path(tmp_path)
    outputs = {}
    for step in steps():
        if "run" not in step or step["run"].startswith("pip install"):
            continue
        condition = step.get("if")
        assert condition in (None, "github.event_name == 'pull_request'")
        outputs[step["name"]] = run_step(step, workspace, env, base)

    sarif = outputs["nnlint (SARIF)"]
    assert sarif.returncode == 0, sarif.stderr
    log = json.loads((workspace / "nnlint.sarif").read_text())
    lines = sorted(r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in log["runs"][0]["results"])
    assert lines == [3, 5]  # code scanning gets the whole project
    upload = next(step for step in steps() if step.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert (workspace / upload["with"]["sarif_file"]).is_file()

    assert outputs["Fetch the pull request's base commit"].returncode == 0

    annotations = outputs["nnlint (annotations on changed lines)"]
    assert annotations.returncode == 1  # the pull request adds a finding: the job fails
    assert [line.split("::")[1].split(",")[:2] for line in annotations.stdout.splitlines()] == [
        ["warning file=model.py", "line=5"]]


def test_without_the_fetch_the_base_commit_is_missing_and_the_error_says_so(checkout, tmp_path):
    workspace, base = checkout
    annotate = next(step for step in steps() if step.get("name") == "nnlint (annotations on changed lines)")
    result = run_step(annotate, workspace, nnlint_on_path(tmp_path), base)
    assert result.returncode == 2
    assert "unknown revision" in result.stderr and "shallow clone" in result.stderr
