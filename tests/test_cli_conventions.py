"""ruff's command-line conventions as a user meets them: `--exclude`, `--extend-exclude` and
`--per-file-ignores` on the command line, file-level `# nnlint: noqa`, the opt-in report of
suppressions that match nothing (NNL003), `--statistics` in JSON, `--show-files` and
`--show-settings`. (The clean-run summary and the no-files warning: tests/test_cli.py.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nnlint.cli import cli

BROKEN = "import torch\ndef f(x:\n"  # NNL001 on line 2
CLEAN = "import torch\n\nx = torch.zeros(3)\n"
SOFTMAX = "import torch\ny = torch.nn.functional.softmax(x)\n"  # NNL107 on line 2


def nnlint(*args: str):
    try:  # click < 8.2 mixes stderr into stdout unless told not to
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        runner = CliRunner()
    return runner.invoke(cli, list(args), catch_exceptions=False)


def write(root: Path, name: str, text: str = CLEAN) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def configure(root: Path, body: str) -> None:
    write(root, "pyproject.toml", "[tool.nnlint]\n" + body)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NNLINT_OUTPUT_FORMAT", raising=False)
    write(tmp_path, "pyproject.toml", "[tool.nnlint]\n")
    return tmp_path


def reported(result) -> list[str]:
    """`path:CODE` of each finding line of text output."""
    return [f"{line.split(':')[0]}:{line.split()[1]}" for line in result.stdout.splitlines() if ": NNL" in line]


# -- excludes and per-file ignores on the command line -------------------------------------


def test_exclude_replaces_the_default_excludes(project):
    write(project, "build/gen.py", BROKEN)
    write(project, "src/a.py", BROKEN)
    assert reported(nnlint("check")) == ["src/a.py:NNL001"]  # build/ is excluded by default
    result = nnlint("check", "--exclude", "src")
    assert (result.exit_code, reported(result)) == (1, ["build/gen.py:NNL001"])


def test_extend_exclude_adds_comma_separated_patterns(project):
    for name in ("a.py", "b.py", "c.py"):
        write(project, f"pkg/{name}", BROKEN)
    result = nnlint("check", "--extend-exclude", "a.py,pkg/b.py")
    assert reported(result) == ["pkg/c.py:NNL001"]
    configure(project, 'extend-exclude = ["c.py"]\n')
    result = nnlint("check", "--extend-exclude", "a.py")
    assert reported(result) == ["pkg/b.py:NNL001"]  # the config's pattern still applies


def test_command_line_patterns_are_relative_to_the_working_directory(project, monkeypatch):
    write(project, "pkg/sub/a.py", BROKEN)
    write(project, "pkg/sub/b.py", BROKEN)
    monkeypatch.chdir(project / "pkg")
    result = nnlint("check", "--extend-exclude", "sub/a.py", ".")
    assert reported(result) == ["sub/b.py:NNL001"]
    result = nnlint("check", "--per-file-ignores", "sub/b.py:NNL001", ".")
    assert reported(result) == ["sub/a.py:NNL001"]


def test_per_file_ignores_on_the_command_line_replace_the_table(project):
    write(project, "tests/test_a.py", BROKEN)
    write(project, "src/b.py", BROKEN)
    configure(project, '[tool.nnlint.per-file-ignores]\n"src/*" = ["NNL001"]\n')
    assert reported(nnlint("check")) == ["tests/test_a.py:NNL001"]
    result = nnlint("check", "--per-file-ignores", "tests/**:NNL0")
    assert (result.exit_code, reported(result)) == (1, ["src/b.py:NNL001"])


@pytest.mark.parametrize(("value", "message"), [
    ("tests/**", "is not GLOB:CODES"),
    ("tests/**:NNL777", "unknown rule code or prefix 'NNL777' in --per-file-ignores"),
])
def test_bad_per_file_ignores_is_a_usage_error(project, value, message):
    write(project, "a.py")
    result = nnlint("check", "--per-file-ignores", value)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


# -- file-level suppression ----------------------------------------------------------------


def test_bare_file_level_noqa_silences_the_whole_file(project):
    write(project, "a.py", "# nnlint: noqa\n" + SOFTMAX + "def f(x:\n")
    write(project, "b.py", SOFTMAX)
    result = nnlint("check")
    assert (result.exit_code, reported(result)) == (1, ["b.py:NNL107"])


def test_file_level_noqa_with_codes_silences_only_those(project):
    write(project, "a.py", SOFTMAX + "# nnlint: noqa: nnl107\n" + "def f(x:\n")
    result = nnlint("check")
    assert reported(result) == ["a.py:NNL001"]


def test_file_level_noqa_after_code_is_not_a_file_directive(project):
    write(project, "a.py", SOFTMAX + "z = torch.zeros(1)  # nnlint: noqa\n")
    assert reported(nnlint("check")) == ["a.py:NNL107"]


# -- NNL003: suppressions that match nothing -----------------------------------------------


STALE = """\
import torch
# nnlint: noqa: NNL101
a = torch.nn.functional.softmax(x)  # noqa: NNL107
b = torch.softmax(x, dim=1)  # noqa: NNL107
c = torch.zeros(1)  # nnlint: ignore[NNL999]
d = torch.zeros(1)  # noqa: E501
e = torch.zeros(1)  # noqa
f = torch.zeros(1)  # noqa: NNL205, NNL003
g = torch.zeros(1)  # noqa: NNL901
"""


def test_unused_suppressions_are_not_reported_by_default(project):
    write(project, "a.py", STALE)
    result = nnlint("check")
    assert (result.exit_code, result.stdout) == (0, "All checks passed!\n")


def test_unused_suppressions_are_reported_when_selected(project):
    write(project, "a.py", STALE)
    result = nnlint("check", "--extend-select", "NNL003")
    lines = [line for line in result.stdout.splitlines() if "NNL003" in line]
    assert result.exit_code == 1
    assert lines == [
        "a.py:2:1: NNL003 [*] File-level suppression matches nothing: no NNL101 finding in this file",
        "a.py:4:30: NNL003 [*] Suppression matches nothing: no NNL107 finding on this line",
        "a.py:5:21: NNL003 [*] Suppression matches nothing: unknown code NNL999",
    ]


def test_fix_removes_what_matches_nothing_and_keeps_the_rest(project):
    write(project, "a.py", STALE + "h = torch.zeros(1)  # noqa: NNL107, E501  # type: ignore\n"
                                   "i = torch.zeros(1)  # noqa: NNL107 reason # with a hash\n")
    result = nnlint("check", "--extend-select", "NNL003", "--fix")
    fixed = (project / "a.py").read_text()
    assert fixed.splitlines() == [
        "import torch",
        "a = torch.nn.functional.softmax(x)  # noqa: NNL107",
        "b = torch.softmax(x, dim=1)",
        "c = torch.zeros(1)",
        "d = torch.zeros(1)  # noqa: E501",
        "e = torch.zeros(1)  # noqa",
        "f = torch.zeros(1)  # noqa: NNL205, NNL003",
        "g = torch.zeros(1)  # noqa: NNL901",
        "h = torch.zeros(1)  # noqa: E501  # type: ignore",
        "i = torch.zeros(1)  # noqa: NNL107 reason # with a hash",
    ]
    # The one left is reported, without a fix: removing it could take another comment with it.
    assert result.exit_code == 1 and "a.py:10:21: NNL003 Suppression matches nothing" in result.stdout


def test_code_switched_off_for_the_file_is_not_reported_as_unused(project):
    write(project, "a.py", "import torch\nb = torch.softmax(x, dim=1)  # noqa: NNL107\n")
    configure(project, 'extend-select = ["NNL003"]\n[tool.nnlint.per-file-ignores]\n"a.py" = ["NNL107"]\n')
    assert nnlint("check").exit_code == 0


def test_unused_bare_file_level_noqa_is_reported(project):
    write(project, "a.py", "import torch\n# nnlint: noqa\nz = torch.zeros(1)\n")
    result = nnlint("check", "--extend-select", "NNL003")
    assert reported(result) == ["a.py:NNL003"] and "a.py:2:1:" in result.stdout
    write(project, "a.py", "import torch\n# nnlint: noqa\n" + SOFTMAX)
    assert nnlint("check", "--extend-select", "NNL003").exit_code == 0


# -- statistics, show-files, show-settings -------------------------------------------------


def test_statistics_as_json(project):
    write(project, "a.py", SOFTMAX + "w = torch.nn.functional.softmax(v)\n")
    write(project, "b.py", BROKEN)
    result = nnlint("check", "--statistics", "--output-format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {"code": "NNL107", "name": "softmax-without-dim", "count": 2, "fixable": False},
        {"code": "NNL001", "name": "syntax-error", "count": 1, "fixable": False},
    ]
    unsafe = nnlint("check", "--statistics", "--output-format", "json", "--unsafe-fixes")
    assert json.loads(unsafe.stdout)[0]["fixable"] is True
    write(project, "b.py", CLEAN)
    write(project, "a.py", CLEAN)
    clean = nnlint("check", "--statistics", "--output-format", "json")
    assert (clean.exit_code, json.loads(clean.stdout)) == (0, [])


def test_show_files_lists_what_would_be_checked(project):
    write(project, "pkg/a.py")
    write(project, "pkg/b.py")
    write(project, "build/gen.py")
    write(project, "notes.txt")
    result = nnlint("check", "--show-files", "--extend-exclude", "b.py")
    assert (result.exit_code, result.stdout) == (0, "pkg/a.py\n")
    result = nnlint("check", "--show-files", "--output-format", "json", "pkg")
    assert json.loads(result.stdout) == ["pkg/a.py", "pkg/b.py"]
    assert nnlint("check", "--show-files", "missing.py").exit_code == 2


def test_show_settings_prints_the_combined_settings(project):
    configure(project, 'ignore = ["NNL107"]\nfail-on = "error"\n[tool.nnlint.severity]\nNNL6 = "error"\n')
    result = nnlint("check", "--show-settings", "--output-format", "json", "--extend-exclude", "gen",
                    "--per-file-ignores", "tests/*:NNL1", "--severity", "NNL602=warning")
    assert result.exit_code == 0
    settings = json.loads(result.stdout)
    assert settings["config_file"].endswith("pyproject.toml")
    assert "NNL107" not in settings["enabled"] and "NNL101" in settings["enabled"]
    assert "NNL003" not in settings["enabled"]
    assert settings["extend_exclude"] == ["gen"]
    assert settings["per_file_ignores"]["tests/*"][0] == "NNL101"
    assert settings["severity"]["NNL601"] == "error" and settings["severity"]["NNL602"] == "warning"
    assert settings["severity"]["NNL107"] == "warning" and settings["fail_on"] == "error"
    text = nnlint("check", "--show-settings")
    assert text.exit_code == 0 and 'fail_on = "error"' in text.stdout and "  NNL601 = \"error\"" in text.stdout
