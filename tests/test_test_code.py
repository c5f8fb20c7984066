"""Test code: the rules about how well a model trains skip tests' placeholder models.

A unit test builds a toy model with whatever learning rate, initialization and layer stack
exercises the code under test; reporting them is noise. Which files are test code is decided
from the path below the project root, so a project that lives under some `tests` folder of
the machine is still checked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nnlint.catalogue.names import is_test_path
from nnlint.cli import cli
from nnlint.lint import lint_source

TOY = """\
import torch
from torch import nn


def test_step_runs():
    model = nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.5)
    loss = model(torch.randn(3, 4)).sum()
    loss.backward()
    optimizer.step()
    assert loss == float("nan") or True
"""


def _codes(root: Path, *args: str) -> dict[str, set[str]]:
    # NNL401 and NNL601 are opt-in; the test needs them on.
    result = CliRunner().invoke(cli, ["check", "--isolated", "--no-cache", "--exit-zero", "--extend-select",
                                      "NNL401,NNL601", "--output-format", "json", *args, str(root)])
    assert result.exit_code == 0, result.output
    found: dict[str, set[str]] = {}
    for item in json.loads(result.output):
        found.setdefault(Path(item["filename"]).name, set()).add(item["code"])
    return found


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "__init__.py").write_text("")
    (tmp_path / "tests" / "helpers_models.py").write_text(TOY)
    (tmp_path / "test_train.py").write_text(TOY)
    (tmp_path / "train.py").write_text(TOY)
    return tmp_path


def test_placeholder_models_of_tests_are_not_reported_but_the_same_code_elsewhere_is(project: Path) -> None:
    found = _codes(project)
    assert {"NNL401", "NNL601"} <= found["train.py"]
    for name in ("test_train.py", "helpers_models.py"):
        assert not found.get(name, set()) & {"NNL401", "NNL601"}, found


def test_bugs_that_break_a_test_itself_are_still_reported_in_tests(project: Path) -> None:
    # x == nan is always False: the assertion tests nothing, which matters in a test too.
    found = _codes(project)
    assert "NNL205" in found["test_train.py"] and "NNL205" in found["helpers_models.py"]


def test_folders_above_the_project_root_do_not_make_it_test_code(tmp_path: Path) -> None:
    root = tmp_path / "tests" / "demo"
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (root / "train.py").write_text(TOY)
    assert "NNL601" in _codes(root)["train.py"]


def test_a_loose_folder_of_scripts_under_tests_is_not_a_test_suite(tmp_path: Path) -> None:
    # Not a package, no conftest, no test files: scripts or cases kept there, checked as usual.
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "tests" / "cases").mkdir(parents=True)
    (tmp_path / "tests" / "cases" / "mlp_case.py").write_text(TOY)
    assert {"NNL401", "NNL601"} <= _codes(tmp_path)["mlp_case.py"]


def test_a_file_checked_on_its_own_is_judged_by_its_name() -> None:
    codes = {"NNL601", "NNL401"}
    assert not lint_source(TOY.encode(), "test_train.py", codes)
    assert {d.code for d in lint_source(TOY.encode(), "train.py", codes)} == codes


@pytest.mark.parametrize("parts, siblings, expected", [
    (("tests", "unit", "models.py"), ("__init__.py", "models.py"), True),
    (("testing", "helpers", "basic_models.py"), ("__init__.py",), True),
    (("tests", "strategies", "helpers.py"), ("test_ddp.py",), True),
    (("tests", "cases", "mlp.py"), ("mlp.py", "cnn.py"), False),  # not a test suite's folder
    (("test_models.py",), (), True),
    (("models_test.py",), (), True),
    (("conftest.py",), (), True),
    (("test.py",), ("__init__.py",), False),  # an evaluation script in most ML projects
    (("scripts", "test_time_augment", "run.py"), ("__init__.py",), False),
    (("contest", "train.py"), ("conftest.py",), False),
])
def test_what_counts_as_test_code(parts: tuple[str, ...], siblings: tuple[str, ...], expected: bool) -> None:
    assert is_test_path(parts, siblings) is expected
