"""The composite GitHub Action (action.yml at the repository root), run the way a runner runs
it: each step's `run:` script with `bash --noprofile --norc -eo pipefail`, its `${{ inputs.* }}`
expressions and `if:` conditions evaluated, in a workspace, with the GITHUB_* variables a
runner sets.

The install step really runs `python -m pip install "$GITHUB_ACTION_PATH"` into a fresh venv,
from a copy of this checkout (a runner keeps the action in its own directory). What a runner
would download from PyPI (setuptools for the build, nnlint's dependencies) is taken from the
test venv instead, through a `.pth` file and pip's no-index / no-deps / no-build-isolation
settings, so that the test needs no network.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Optional

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
SCHEMA = Path("/work/shared/schemas/sarif-schema-2.1.0.json")
SOFTMAX = "import torch\ny = torch.nn.functional.softmax(x)\n"  # NNL107, a warning
BROKEN = "import torch\ndef f(x:\n"  # NNL001, an error
_INPUT = re.compile(r"\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}")
_CONDITION = re.compile(r"inputs\.([A-Za-z0-9_-]+)\s*==\s*'([^']*)'")


def action() -> dict:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


def expand(text: str, inputs: dict[str, str]) -> str:
    """`${{ inputs.NAME }}` replaced; any other expression is a test that must learn it."""
    expanded = _INPUT.sub(lambda match: inputs[match.group(1)], text)
    assert "${{" not in expanded, f"expression the test does not evaluate: {expanded}"
    return expanded


def runs(step: dict, inputs: dict[str, str]) -> bool:
    condition = step.get("if")
    if condition is None:
        return True
    match = _CONDITION.fullmatch(condition.strip())
    assert match, f"condition the test does not evaluate: {condition}"
    return inputs[match.group(1)] == match.group(2)


class Runner:
    """A runner's view of one job: the workspace, the action's directory and the files the
    GITHUB_* variables name."""

    def __init__(self, tmp: Path, action_path: Path, venv_bin: Path) -> None:
        self.workspace = tmp / "workspace"
        self.workspace.mkdir()
        self.files = {name: tmp / name.lower() for name in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH",
                                                            "GITHUB_STEP_SUMMARY")}
        for path in self.files.values():
            path.touch()
        (tmp / "runner-temp").mkdir()
        self.env = {
            "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": str(tmp),
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTION_PATH": str(action_path),
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_REPOSITORY": "someone/project",
            "GITHUB_SHA": "0" * 40,
            "GITHUB_REF": "refs/pull/1/merge",
            "RUNNER_OS": "Linux",
            "RUNNER_TEMP": str(tmp / "runner-temp"),
            # What PyPI would provide comes from the test venv (see the module docstring).
            # pip reads PIP_NO_BUILD_ISOLATION inverted: "0" means --no-build-isolation.
            "PIP_NO_INDEX": "1",
            "PIP_NO_DEPS": "1",
            "PIP_NO_BUILD_ISOLATION": "0",
            **{name: str(path) for name, path in self.files.items()},
        }

    def run_step(self, step: dict, inputs: dict[str, str]) -> Optional[subprocess.CompletedProcess]:
        """The step's script as the runner runs it; None when its `if:` skips it."""
        if not runs(step, inputs):
            return None
        assert step["shell"] == "bash"
        script = self.workspace.parent / "step.sh"
        script.write_text(expand(step["run"], inputs), encoding="utf-8")
        env = {**self.env, **{name: expand(str(value), inputs) for name, value in step.get("env", {}).items()}}
        return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=self.workspace, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=300)

    def outputs(self) -> dict[str, str]:
        lines = self.files["GITHUB_OUTPUT"].read_text().splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)


def defaults(**given: str) -> dict[str, str]:
    declared = action()["inputs"]
    unknown = set(given) - set(declared)
    assert not unknown, f"not inputs of the action: {unknown}"
    return {name: given.get(name, str(spec.get("default", ""))) for name, spec in declared.items()}


def steps() -> list[dict]:
    return action()["runs"]["steps"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """A copy of the action's checkout, and a venv where the action's install step ran."""
    pytest.importorskip("setuptools", reason="building the checkout needs setuptools in the test venv")
    tmp = tmp_path_factory.mktemp("action")
    action_path = tmp / "action"
    action_path.mkdir()
    # What `pip install` of the checkout reads; a runner has the whole repository there.
    for name in ("pyproject.toml", "README.md", "action.yml"):
        shutil.copy2(ROOT / name, action_path / name)
    shutil.copytree(ROOT / "nnlint", action_path / "nnlint", ignore=shutil.ignore_patterns("__pycache__"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    venv_python = venv / "bin" / "python"
    site = subprocess.run([str(venv_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, stdout=subprocess.PIPE, text=True).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "_test_venv_packages.pth").write_text("".join(f"{path}\n" for path in sorted(ours)))
    (tmp / "install-job").mkdir()
    runner = Runner(tmp / "install-job", action_path, venv / "bin")
    install = steps()[0]
    assert "pip install" in install["run"] and "$GITHUB_ACTION_PATH" in install["run"]
    done = runner.run_step(install, defaults())
    assert done is not None and done.returncode == 0, done.stderr
    assert (venv / "bin" / "nnlint").is_file()
    return action_path, venv / "bin"


def job(tmp_path: Path, installed: tuple[Path, Path], files: dict[str, str]) -> Runner:
    runner = Runner(tmp_path, *installed)
    for name, text in files.items():
        (runner.workspace / name).write_text(text)
    (runner.workspace / "pyproject.toml").write_text("[tool.nnlint]\n")
    return runner


def run_after_install(runner: Runner, inputs: dict[str, str]) -> dict[str, Optional[subprocess.CompletedProcess]]:
    return {step["name"]: runner.run_step(step, inputs) for step in steps()[1:]}


def sarif_levels(path: Path) -> dict[str, str]:
    log = json.loads(path.read_text(encoding="utf-8"))
    jsonschema = pytest.importorskip("jsonschema")
    if SCHEMA.is_file():
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class(schema, format_checker=validator_class.FORMAT_CHECKER).validate(log)
    return {result["ruleId"]: result["level"] for result in log["runs"][0]["results"]}


def test_action_is_a_composite_action_with_documented_inputs():
    spec = action()
    assert spec["runs"]["using"] == "composite"
    assert set(spec["inputs"]) == {"paths", "args", "sarif-file", "annotations"}
    assert all(step["shell"] == "bash" for step in spec["runs"]["steps"])
    docs = (ROOT / "docs" / "github-actions.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in docs for name in spec["inputs"])


def test_steps_write_sarif_and_annotate_and_fail_on_findings(tmp_path, installed):
    runner = job(tmp_path, installed, {"soft.py": SOFTMAX, "broken.py": BROKEN})
    done = run_after_install(runner, defaults())
    sarif, annotate = done["Write SARIF"], done["Annotate"]
    assert sarif.returncode == 0, sarif.stderr
    assert runner.outputs()["sarif-file"] == "nnlint.sarif"
    assert sarif_levels(runner.workspace / "nnlint.sarif") == {"NNL001": "error", "NNL107": "warning"}
    assert annotate.returncode == 1
    commands = [line.split(" ")[0] + " " + line.split(" ")[1].split(",")[0] for line in annotate.stdout.splitlines()]
    assert commands == ["::error file=broken.py", "::warning file=soft.py"]


def test_args_reach_nnlint_and_fail_on_error_passes_with_warnings(tmp_path, installed):
    runner = job(tmp_path, installed, {"soft.py": SOFTMAX})
    done = run_after_install(runner, defaults(args="--fail-on error", **{"sarif-file": "reports/nnlint.sarif"}))
    assert done["Write SARIF"].returncode == 0
    assert sarif_levels(runner.workspace / "reports" / "nnlint.sarif") == {"NNL107": "warning"}
    assert done["Annotate"].returncode == 0 and done["Annotate"].stdout.startswith("::warning file=soft.py,")
    done = run_after_install(runner, defaults(args="--severity NNL107=error --fail-on error"))
    assert sarif_levels(runner.workspace / "nnlint.sarif") == {"NNL107": "error"}
    assert done["Annotate"].returncode == 1 and done["Annotate"].stdout.startswith("::error file=soft.py,")


def test_bad_settings_fail_the_sarif_step(tmp_path, installed):
    runner = job(tmp_path, installed, {"soft.py": SOFTMAX})
    done = run_after_install(runner, defaults(args="--severity NNL107=loud"))
    assert done["Write SARIF"].returncode == 2
    assert "must be \"error\" or \"warning\"" in done["Write SARIF"].stderr


def test_annotations_off_skips_the_step_and_paths_limit_the_run(tmp_path, installed):
    runner = job(tmp_path, installed, {"soft.py": SOFTMAX, "broken.py": BROKEN})
    done = run_after_install(runner, defaults(annotations="false", paths="soft.py"))
    assert done["Annotate"] is None and done["Write SARIF"].returncode == 0
    assert sarif_levels(runner.workspace / "nnlint.sarif") == {"NNL107": "warning"}
