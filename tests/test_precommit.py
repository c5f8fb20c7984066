"""The pre-commit hook, for real: `pre-commit try-repo` installs it from this project and runs it.

pre-commit builds the hook's environment with pip from a git repository, so the test copies
the working tree (tracked files and untracked ones that are not ignored) into a scratch repo
and commits it: what is tested is what is on disk, as for every other test. Installing the
environment reaches the package index; each try-repo call builds its own, hence the timeout.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_SECONDS = 900
FINDING_LINE = re.compile(r"^(?P<path>[^\s:]+):\d+:\d+: (?P<code>NNL\d+) ", re.MULTILINE)

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pre_commit") is None,
    reason="pre-commit is not installed (it comes with the `test` extra: pip install -e '.[test]')",
)

BROKEN = """\
import torch


def forward(self, x:
    return torch.relu(x)
"""

CLEAN = """\
import torch


def forward(self, x):
    return torch.relu(x)
"""


def _git_env() -> dict[str, str]:
    env = dict(os.environ)
    for key in list(env):
        if key.startswith("GIT_"):
            del env[key]
    env.update(
        GIT_AUTHOR_NAME="nnlint tests",
        GIT_AUTHOR_EMAIL="tests@nnlint.invalid",
        GIT_COMMITTER_NAME="nnlint tests",
        GIT_COMMITTER_EMAIL="tests@nnlint.invalid",
        GIT_CONFIG_NOSYSTEM="1",
    )
    return env


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, env=_git_env(), check=True, capture_output=True, text=True
    ).stdout


def _init_repo(path: Path) -> None:
    _git("init", "-q", cwd=path)
    _git("add", "-A", cwd=path)
    _git("commit", "-q", "--no-gpg-sign", "-m", "snapshot", cwd=path)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed copy of this project's working tree, for pre-commit to install from."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        listed = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=PROJECT_ROOT)
    except subprocess.CalledProcessError:
        pytest.skip(f"{PROJECT_ROOT} is not a git work tree; try-repo needs one to copy from")
    copy = tmp_path_factory.mktemp("hook-repo")
    for name in filter(None, listed.split("\0")):
        source = PROJECT_ROOT / name
        if source.is_file():  # tracked files deleted in the work tree are listed too
            target = copy / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    assert (copy / ".pre-commit-hooks.yaml").is_file()
    _init_repo(copy)
    return copy


@pytest.fixture(scope="module")
def no_torch_constraint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pip constraint no torch release satisfies: installing the hook fails if it wants torch."""
    path = tmp_path_factory.mktemp("pip") / "constraints.txt"
    path.write_text("torch<0\n")
    return path


def _try_repo(hook_repo: Path, constraint: Path, work: Path, files: dict[str, str]) -> subprocess.CompletedProcess:
    work.mkdir()
    for name, text in files.items():
        (work / name).write_text(text, encoding="utf-8")
    _init_repo(work)
    env = _git_env()
    env.update(
        PRE_COMMIT_HOME=str(work.parent / "pre-commit-home"),
        PIP_CONSTRAINT=str(constraint),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "nnlint",
         "--color", "never", "--verbose", "--files", *files],
        cwd=work, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
    )


def test_hook_fails_on_a_syntax_error_and_names_nnl001(hook_repo, no_torch_constraint, tmp_path):
    result = _try_repo(hook_repo, no_torch_constraint, tmp_path / "work",
                       {"broken.py": BROKEN, "clean.py": CLEAN})
    output = result.stdout + result.stderr
    assert "An unexpected error has occurred" not in output, output
    assert result.returncode == 1, output
    assert "nnlint" in output and "Failed" in output, output
    assert "NNL001" in output, output
    findings = [(m["path"], m["code"]) for m in FINDING_LINE.finditer(output)]
    assert ("broken.py", "NNL001") in findings, output
    assert not [path for path, _ in findings if path != "broken.py"], output


def test_hook_passes_on_a_clean_file(hook_repo, no_torch_constraint, tmp_path):
    result = _try_repo(hook_repo, no_torch_constraint, tmp_path / "work", {"clean.py": CLEAN})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Passed" in output, output
    assert not FINDING_LINE.search(output), output


# --- The README's two configurations, run as written (placeholders replaced) with `pre-commit run`.

README_PATH_PLACEHOLDER = "/path/to/nnlint"
README_REV_PLACEHOLDER = "0123456789abcdef0123456789abcdef01234567"


def _readme_configs() -> list[str]:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## pre-commit\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```yaml\n(.*?)^```", section, re.MULTILINE | re.DOTALL)


def _run_config(config: str, constraint: Path, work: Path, files: dict[str, str],
                path_first: Path | None = None) -> subprocess.CompletedProcess:
    work.mkdir()
    for name, text in files.items():
        (work / name).write_text(text, encoding="utf-8")
    (work / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    _init_repo(work)
    env = _git_env()
    env.update(
        PRE_COMMIT_HOME=str(work.parent / "pre-commit-home"),
        PIP_CONSTRAINT=str(constraint),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        NNLINT_CACHE_DIR=str(work.parent / "nnlint-cache"),
    )
    if path_first is not None:
        env["PATH"] = f"{path_first}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--color", "never", "--verbose", "--files", *files],
        cwd=work, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
    )


def _assert_reports_only_the_broken_file(result: subprocess.CompletedProcess) -> None:
    output = result.stdout + result.stderr
    assert "An unexpected error has occurred" not in output, output
    assert result.returncode == 1, output
    assert "Failed" in output, output
    findings = [(m["path"], m["code"]) for m in FINDING_LINE.finditer(output)]
    assert findings == [("broken.py", "NNL001")], output


def test_the_readme_shows_a_local_hook_and_a_hook_from_a_clone():
    local, cloned = _readme_configs()
    assert "repo: local" in local and "language: system" in local
    assert README_PATH_PLACEHOLDER in cloned and README_REV_PLACEHOLDER in cloned
    # The local hook runs what the repository's own hook definition runs.
    assert "entry: nnlint check --force-exclude" in local
    assert "entry: nnlint check --force-exclude" in (PROJECT_ROOT / ".pre-commit-hooks.yaml").read_text()


def test_readme_local_hook_runs_the_installed_nnlint(no_torch_constraint, tmp_path):
    local = _readme_configs()[0]
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "nnlint").is_file():
        pytest.skip(f"no nnlint script beside {sys.executable}")
    files = {"broken.py": BROKEN, "clean.py": CLEAN}
    _assert_reports_only_the_broken_file(
        _run_config(local, no_torch_constraint, tmp_path / "work", files, path_first=bin_dir))
    passed = _run_config(local, no_torch_constraint, tmp_path / "work-clean", {"clean.py": CLEAN}, path_first=bin_dir)
    assert passed.returncode == 0 and "Passed" in passed.stdout, passed.stdout + passed.stderr


def test_readme_hook_from_a_clone_at_a_commit(hook_repo, no_torch_constraint, tmp_path):
    """No tag: `rev` is the clone's commit hash, as the README says, and `repo` its path."""
    cloned = _readme_configs()[1]
    head = _git("rev-parse", "HEAD", cwd=hook_repo).strip()
    config = cloned.replace(README_PATH_PLACEHOLDER, str(hook_repo)).replace(README_REV_PLACEHOLDER, head)
    result = _run_config(config, no_torch_constraint, tmp_path / "work", {"broken.py": BROKEN, "clean.py": CLEAN})
    _assert_reports_only_the_broken_file(result)
