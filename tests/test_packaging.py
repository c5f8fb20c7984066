"""The package as a user gets it: `python -m build` makes an sdist and a wheel, and the wheel,
installed into a fresh venv, runs `nnlint` on its own (no source tree in reach).

Offline by design: the build runs without isolation (setuptools and build come with the `test`
extra), and the fresh venv gets nnlint's dependencies from this test's environment through a
`.pth` line instead of from the package index; `pip install --no-index --no-deps` installs
only the wheel. The editable install of the test environment is not visible there: a path
named in a `.pth` line is searched for modules but its own `.pth` files are not run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import site as sitepackages
import tarfile
import zipfile
from pathlib import Path

import pytest

import nnlint

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VERSION = nnlint.__version__
WHEEL = f"nnlint-{VERSION}-py3-none-any.whl"
SDIST = f"nnlint-{VERSION}.tar.gz"

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("build") is None,
    reason="build is not installed (it comes with the `test` extra: pip install -e '.[test]')",
)

BUGGY = """\
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)


model = Net()
criterion = nn.CrossEntropyLoss()


def step(x, y):
    return criterion(model(x), y)
"""


def _run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _copy_of_the_work_tree(target: Path) -> Path:
    """The working tree's tracked and untracked (not ignored) files, copied to `target`."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    listed = _run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=PROJECT_ROOT)
    if listed.returncode != 0:
        pytest.skip(f"{PROJECT_ROOT} is not a git work tree to copy from")
    for name in filter(None, listed.stdout.split("\0")):
        if (PROJECT_ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT_ROOT / name, target / name)
    return target


def _build(source: Path, out: Path) -> Path:
    built = _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source), cwd=source)
    assert built.returncode == 0, built.stdout + built.stderr
    assert "deprecated" not in built.stdout + built.stderr, "the build warns about a deprecated setting"
    return out


def _venv_with(wheel: Path, root: Path) -> Path:
    """A fresh venv with `wheel` installed and the test environment's packages behind it."""
    made = _run(sys.executable, "-m", "venv", "--without-pip", str(root), cwd=root.parent)
    assert made.returncode == 0, made.stderr
    python = root / "bin" / "python"
    site = _run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=root)
    (Path(site.stdout.strip()) / "_test_environment.pth").write_text("\n".join(sitepackages.getsitepackages()) + "\n")
    installed = _run(sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-index",
                     "--no-deps", str(wheel), cwd=root)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return root


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python -m build` on a copy of the working tree."""
    source = _copy_of_the_work_tree(tmp_path_factory.mktemp("source"))
    return _build(source, tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _venv_with(dist / WHEEL, tmp_path_factory.mktemp("venv") / "venv")


def test_build_makes_the_sdist_and_the_wheel_of_this_version(dist):
    assert sorted(p.name for p in dist.iterdir()) == sorted([SDIST, WHEEL])


def test_the_sdist_carries_the_docs_and_the_changelog(dist):
    with tarfile.open(dist / SDIST) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for expected in ("pyproject.toml", "README.md", "CHANGELOG.md", "docs/rules/NNL101.md",
                     "nnlint/cli.py"):
        assert expected in names, f"{expected} is missing from {SDIST}"


def test_the_wheel_holds_every_module_of_the_package(dist):
    with zipfile.ZipFile(dist / WHEEL) as archive:
        names = set(archive.namelist())
        entry_points = archive.read(f"nnlint-{VERSION}.dist-info/entry_points.txt").decode()
    modules = {p.relative_to(PROJECT_ROOT).as_posix() for p in (PROJECT_ROOT / "nnlint").rglob("*.py")}
    assert modules - names == set()
    assert "nnlint = nnlint.cli:main" in entry_points
    assert "NNL = nnlint.flake8_plugin:NnlintChecker" in entry_points


def test_the_installed_wheel_is_the_nnlint_that_runs(venv, tmp_path):
    located = _run(str(venv / "bin" / "python"), "-c", "import nnlint; print(nnlint.__file__)", cwd=tmp_path)
    assert Path(located.stdout.strip()).is_relative_to(venv), located.stdout + located.stderr
    shown = _run(str(venv / "bin" / "nnlint"), "--version", cwd=tmp_path)
    assert shown.returncode == 0 and shown.stdout.strip() == f"nnlint {VERSION}", shown.stdout + shown.stderr


def test_the_installed_wheel_finds_a_bug_and_explains_the_rule(venv, tmp_path):
    (tmp_path / "train.py").write_text(BUGGY, encoding="utf-8")
    env = dict(os.environ, NNLINT_CACHE_DIR=str(tmp_path / "cache"))
    checked = _run(str(venv / "bin" / "nnlint"), "check", "train.py", cwd=tmp_path, env=env)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert re.search(r"^train\.py:11:16: NNL101 softmax output is fed to CrossEntropyLoss", checked.stdout, re.MULTILINE), checked.stdout
    explained = _run(str(venv / "bin" / "nnlint"), "rule", "NNL101", cwd=tmp_path)
    assert explained.returncode == 0, explained.stderr
    assert explained.stdout.startswith("# NNL101: softmax-before-cross-entropy\n")
    assert "## Use instead" in explained.stdout


def test_the_changelog_names_this_version():
    changelog = (PROJECT_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    newest = re.search(r"^## (\S+)", changelog, re.MULTILINE)
    assert newest and newest.group(1) == VERSION, "CHANGELOG.md's newest entry is not nnlint's version"
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(rf'^version = "{re.escape(VERSION)}"$', pyproject, re.MULTILINE)


def test_the_docs_install_the_wheel_the_build_makes():
    """Docs that name a wheel file name the one `python -m build` writes for this version."""
    for path in (PROJECT_ROOT / "README.md", *(PROJECT_ROOT / "docs").rglob("*.md"),
                 *(PROJECT_ROOT / "docs").rglob("*.yml")):
        for named in re.findall(r"nnlint-[0-9][^\s/'\"\]\[]*\.whl", path.read_text(encoding="utf-8")):
            assert named == WHEEL, f"{path.relative_to(PROJECT_ROOT)} names {named}, the build makes {WHEEL}"


RULES_BASE = "https://example.org/team/nnlint/blob/main/docs/rules/"


def _listed_urls(venv: Path, cwd: Path) -> dict[str, object]:
    listed = _run(str(venv / "bin" / "nnlint"), "rules", "--output-format", "json", cwd=cwd)
    assert listed.returncode == 0, listed.stderr
    return {record["code"]: record["url"] for record in json.loads(listed.stdout)}


def test_the_wheel_of_this_project_links_to_no_made_up_address(venv, tmp_path):
    assert set(_listed_urls(venv, tmp_path).values()) == {None}


def test_a_rules_url_declared_in_pyproject_becomes_every_rule_link(tmp_path_factory, tmp_path):
    """How whoever publishes nnlint gives the links: `[project.urls] Rules` (nnlint.project_urls)."""
    source = _copy_of_the_work_tree(tmp_path_factory.mktemp("source-with-urls"))
    pyproject = source / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8") + f'\n[project.urls]\nRules = "{RULES_BASE}"\n',
                         encoding="utf-8")
    out = _build(source, tmp_path_factory.mktemp("dist-with-urls"))
    venv = _venv_with(out / WHEEL, tmp_path_factory.mktemp("venv-with-urls") / "venv")
    urls = _listed_urls(venv, tmp_path)
    assert urls["NNL101"] == RULES_BASE + "NNL101.md"
    assert all(url == f"{RULES_BASE}{code}.md" for code, url in urls.items())
