"""The `nnlint` command as users and tools see it: output, exit codes, config, errors.

Findings come from NNL001 (syntax error) and NNL002 (unreadable file) only, so these tests
hold whatever NNL1xx rules exist. Files without the word "torch" are skipped by design,
hence the `import torch` in every fixture file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nnlint import __version__
from nnlint.cli import cli
from nnlint.rules import all_rules

BROKEN = "import torch\ndef f(x:\n"
CLEAN = "import torch\n\nx = torch.zeros(3)\n"


def runner() -> CliRunner:
    try:  # click < 8.2 mixes stderr into stdout unless told not to
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def nnlint(*args: str, stdin: bytes | None = None):
    return runner().invoke(cli, list(args), input=stdin, catch_exceptions=False)


def write(root: Path, name: str, text: str = CLEAN) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NNLINT_OUTPUT_FORMAT", raising=False)
    # An empty table pins the config search here, whatever lies above tmp_path.
    write(tmp_path, "pyproject.toml", "[tool.nnlint]\n")
    return tmp_path


def configure(root: Path, body: str) -> None:
    write(root, "pyproject.toml", "[tool.nnlint]\n" + body)


# -- basics -------------------------------------------------------------------------------


def test_version():
    result = nnlint("--version")
    assert result.exit_code == 0
    assert result.stdout == f"nnlint {__version__}\n"


def test_clean_project_says_all_checks_passed_and_exits_0(project):
    write(project, "pkg/model.py")
    result = nnlint("check")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "All checks passed!\n", "")
    result = nnlint("check", "-q")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_findings_exit_1_with_summary(project):
    write(project, "pkg/broken.py", BROKEN)
    write(project, "pkg/model.py")
    result = nnlint("check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("pkg/broken.py:2:") and " NNL001 " in lines[0]
    assert lines[-1] == "Found 1 finding."
    assert result.stderr == ""


def test_quiet_drops_summary(project):
    write(project, "a.py", BROKEN)
    write(project, "b.py", BROKEN)
    assert nnlint("check").stdout.splitlines()[-1] == "Found 2 findings."
    result = nnlint("check", "-q")
    assert result.exit_code == 1
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["a.py", "b.py"]


def test_exit_zero(project):
    write(project, "a.py", BROKEN)
    result = nnlint("check", "--exit-zero")
    assert result.exit_code == 0 and "NNL001" in result.stdout


NO_FILES = "nnlint: warning: No Python files found under the given paths\n"


def test_no_python_files_is_a_warning_and_success(project):
    write(project, "README.md", "torch")
    result = nnlint("check")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", NO_FILES)
    result = nnlint("check", "--force-exclude")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", NO_FILES)
    result = nnlint("check", "--quiet")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


# -- output formats -----------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["json", "sarif"])
def test_machine_formats_are_pure_json(project, output_format):
    write(project, "pkg/broken.py", BROKEN)
    result = nnlint("check", "--output-format", output_format)
    assert result.exit_code == 1
    document = json.loads(result.stdout)  # no summary line mixed in
    text = json.dumps(document)
    assert "NNL001" in text and "pkg/broken.py" in text


def test_json_lists_findings_with_relative_paths(project):
    write(project, "pkg/broken.py", BROKEN)
    records = json.loads(nnlint("check", "pkg", "--output-format", "json").stdout)
    assert [(r["code"], r["filename"], r["location"]["row"]) for r in records] == [("NNL001", "pkg/broken.py", 2)]


def test_json_with_nothing_to_report_is_an_empty_list(project):
    result = nnlint("check", "--output-format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_github_format_has_no_summary(project):
    write(project, "a.py", BROKEN)
    result = nnlint("check", "--output-format", "github")
    assert result.exit_code == 1
    assert all(line.startswith("::") for line in result.stdout.splitlines())


def test_full_format_has_summary(project):
    write(project, "a.py", BROKEN)
    result = nnlint("check", "--output-format", "full")
    assert "a.py:2:" in result.stdout and result.stdout.endswith("Found 1 finding.\n")


def test_output_format_from_environment(project, monkeypatch):
    write(project, "a.py", BROKEN)
    monkeypatch.setenv("NNLINT_OUTPUT_FORMAT", "json")
    assert json.loads(nnlint("check").stdout)[0]["code"] == "NNL001"


def test_unknown_output_format_is_usage_error(project):
    assert nnlint("check", "--output-format", "xml").exit_code == 2


def test_output_file(project):
    write(project, "a.py", BROKEN)
    result = nnlint("check", "--output-format", "json", "--output-file", "reports/nnlint.json")
    assert result.exit_code == 1 and result.stdout == ""
    records = json.loads((project / "reports" / "nnlint.json").read_text(encoding="utf-8"))
    assert records[0]["code"] == "NNL001"


def test_statistics(project):
    write(project, "a.py", BROKEN)
    write(project, "b.py", BROKEN)
    result = nnlint("check", "--statistics")
    assert result.exit_code == 1
    assert result.stdout.split() == ["2", "NNL001", "syntax-error"]


# -- selection ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, status",
    [
        (["--select", "NNL001"], 1),
        (["--select", "NNL0"], 1),
        (["--select", "ALL"], 1),
        (["--select", "NNL002"], 0),
        (["--ignore", "NNL001"], 0),
        (["--ignore", "NNL0"], 0),
        (["--ignore", "NNL0", "--extend-select", "NNL001"], 1),  # more specific wins
        (["--select", "NNL0", "--ignore", "NNL001"], 0),
        (["--select", "NNL002,NNL001"], 1),
        (["--select", "NNL002", "--select", "NNL001"], 1),
    ],
)
def test_select_and_ignore(project, args, status):
    write(project, "a.py", BROKEN)
    result = nnlint("check", *args)
    assert result.exit_code == status, result.stdout + result.stderr


@pytest.mark.parametrize("option", ["--select", "--extend-select", "--ignore"])
def test_unknown_code_on_command_line(project, option):
    write(project, "a.py", BROKEN)
    result = nnlint("check", option, "NNL001,NNL999")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"nnlint: error: unknown rule code or prefix 'NNL999' in {option}\n"


def test_command_line_overrides_config(project):
    write(project, "a.py", BROKEN)
    configure(project, "ignore = ['NNL001']\n")
    assert nnlint("check").exit_code == 0
    assert nnlint("check", "--select", "NNL001").exit_code == 1  # --select replaces the file's selection
    assert nnlint("check", "--extend-select", "NNL001").exit_code == 1
    configure(project, "select = ['NNL001']\n")
    assert nnlint("check").exit_code == 1
    assert nnlint("check", "--ignore", "NNL0").exit_code == 0


def test_per_file_ignores(project):
    write(project, "tests/test_a.py", BROKEN)
    write(project, "pkg/conftest.py", BROKEN)
    write(project, "pkg/model.py", BROKEN)
    configure(project, "[tool.nnlint.per-file-ignores]\n'tests/*' = ['NNL001']\n'conftest.py' = ['NNL0']\n")
    result = nnlint("check", "-q")
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["pkg/model.py"]
    # Patterns are relative to the config file, wherever nnlint is run from.
    os.chdir(project / "tests")
    assert nnlint("check", ".").exit_code == 0


# -- configuration errors -----------------------------------------------------------------


def test_config_error_names_key_and_file(project):
    write(project, "a.py", BROKEN)
    configure(project, "selekt = ['NNL001']\n")
    result = nnlint("check")
    assert result.exit_code == 2 and result.stdout == ""
    expected = f"nnlint: error: unknown key 'selekt' in [tool.nnlint] of {project / 'pyproject.toml'}"
    assert result.stderr.startswith(expected)
    assert "Traceback" not in result.stderr


def test_config_wrong_type_and_unknown_code(project):
    configure(project, "select = 'NNL1'\n")
    result = nnlint("check")
    assert result.exit_code == 2 and "'select'" in result.stderr and "pyproject.toml" in result.stderr
    configure(project, "ignore = ['NNL999']\n")
    result = nnlint("check")
    assert result.exit_code == 2 and "'NNL999'" in result.stderr and "pyproject.toml" in result.stderr


def test_invalid_toml(project):
    write(project, "pyproject.toml", "[tool.nnlint\n")
    result = nnlint("check")
    assert result.exit_code == 2 and result.stderr.startswith("nnlint: error: invalid TOML in ")


def test_config_option_and_isolated(project):
    write(project, "a.py", BROKEN)
    configure(project, "selekt = 1\n")
    assert nnlint("check").exit_code == 2
    assert nnlint("check", "--isolated").exit_code == 1
    write(project, "ci/nnlint.toml", "[tool.nnlint]\nignore = ['NNL001']\n")
    assert nnlint("check", "--config", "ci/nnlint.toml").exit_code == 0
    result = nnlint("check", "--config", "ci/missing.toml")
    assert result.exit_code == 2 and "ci/missing.toml" in result.stderr
    assert nnlint("check", "--config", "ci/nnlint.toml", "--isolated").exit_code == 2


def test_no_cache_is_accepted(project):
    write(project, "a.py", BROKEN)
    assert nnlint("check", "--no-cache").exit_code == 1


# -- discovery through the CLI ------------------------------------------------------------


def test_excludes_and_gitignore(project):
    write(project, "keep.py", BROKEN)
    write(project, "build/gen.py", BROKEN)
    write(project, "legacy/old.py", BROKEN)
    write(project, "scratch.py", BROKEN)
    write(project, ".gitignore", "scratch.py\n")
    configure(project, "extend-exclude = ['legacy']\n")
    result = nnlint("check", "-q")
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["keep.py"]
    configure(project, "exclude = ['legacy']\nrespect-gitignore = false\n")
    result = nnlint("check", "-q")
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["build/gen.py", "keep.py", "scratch.py"]


def test_named_excluded_file_is_linted_unless_force_exclude(project):
    write(project, "build/gen.py", BROKEN)
    write(project, "keep.py", CLEAN)
    result = nnlint("check", "build/gen.py", "keep.py")
    assert result.exit_code == 1 and result.stdout.startswith("build/gen.py:2:")
    result = nnlint("check", "--force-exclude", "build/gen.py", "keep.py")
    assert (result.exit_code, result.stdout) == (0, "All checks passed!\n")
    configure(project, "force-exclude = true\n")
    assert nnlint("check", "build/gen.py").exit_code == 0
    assert nnlint("check", "--no-force-exclude", "build/gen.py").exit_code == 1


def test_missing_path_is_an_error_but_others_are_linted(project):
    write(project, "a.py", BROKEN)
    result = nnlint("check", "nope.py", "a.py")
    assert result.exit_code == 2
    assert result.stderr == "nnlint: error: path not found: nope.py\n"
    assert result.stdout.startswith("a.py:2:")


# -- stdin --------------------------------------------------------------------------------


def test_stdin_with_filename(project):
    result = nnlint("check", "--stdin-filename", "pkg/model.py", stdin=BROKEN.encode())
    assert result.exit_code == 1 and result.stdout.startswith("pkg/model.py:2:")
    result = nnlint("check", "--stdin-filename", "pkg/model.py", "-", stdin=CLEAN.encode())
    assert (result.exit_code, result.stdout) == (0, "All checks passed!\n")


def test_stdin_dash(project):
    result = nnlint("check", "-", stdin=BROKEN.encode())
    assert result.exit_code == 1 and result.stdout.startswith("-:2:")


def test_stdin_honours_per_file_ignores_and_force_exclude(project):
    configure(project, "extend-exclude = ['gen']\n[tool.nnlint.per-file-ignores]\n'tests/*' = ['NNL001']\n")
    assert nnlint("check", "--stdin-filename", "tests/t.py", stdin=BROKEN.encode()).exit_code == 0
    assert nnlint("check", "--stdin-filename", "gen/x.py", stdin=BROKEN.encode()).exit_code == 1
    result = nnlint("check", "--force-exclude", "--stdin-filename", "gen/x.py", stdin=BROKEN.encode())
    assert (result.exit_code, result.stdout) == (0, "")


def test_stdin_filename_with_paths_is_usage_error(project):
    write(project, "a.py")
    result = nnlint("check", "--stdin-filename", "x.py", "a.py", stdin=b"")
    assert result.exit_code == 2 and result.stderr.startswith("nnlint: error: ")


# -- files that are not clean Python ------------------------------------------------------


def test_unusual_files_get_a_message_and_the_rest_is_linted(project):
    (project / "latin1.py").write_bytes("import torch\n# caf\xe9\n".encode("latin-1"))
    (project / "binary.py").write_bytes(b"torch\x00\x01\x02")
    (project / "empty.py").write_bytes(b"")
    write(project, "z_broken.py", BROKEN)
    result = nnlint("check", "-q")
    assert result.exit_code == 1 and result.stderr == ""
    found = {line.split(":")[0]: line.split()[1] for line in result.stdout.splitlines()}
    assert found == {"latin1.py": "NNL002", "binary.py": "NNL002", "z_broken.py": "NNL001"}


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file(project):
    secret = write(project, "secret.py", CLEAN)
    write(project, "z_broken.py", BROKEN)
    secret.chmod(0)
    try:
        result = nnlint("check", "-q")
    finally:
        secret.chmod(0o644)
    assert result.exit_code == 1
    assert "secret.py:1:1: NNL002" in result.stdout and "z_broken.py:2:" in result.stdout


def test_unreadable_file_named_on_the_command_line_is_a_finding(project, monkeypatch):
    secret = write(project, "unreadable.py", CLEAN)
    write(project, "z_broken.py", BROKEN)
    secret.chmod(0)
    if os.geteuid() == 0:  # root reads anything: the system answers as it does a normal user
        real_access, real_open = os.access, os.open

        def denied(path) -> bool:
            return os.path.abspath(path) == str(secret)

        monkeypatch.setattr(os, "access", lambda path, mode, **kw: False if denied(path) and mode & os.R_OK
                            else real_access(path, mode, **kw))

        def open_as_a_user(path, flags, *args, **kw):
            if denied(path):
                raise PermissionError(13, "Permission denied", path)
            return real_open(path, flags, *args, **kw)

        monkeypatch.setattr(os, "open", open_as_a_user)
    try:
        result = nnlint("check", "-q", "-j", "1", "unreadable.py", "z_broken.py")
    finally:
        secret.chmod(0o644)
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout.splitlines() == ["unreadable.py:1:1: NNL002 cannot read: Permission denied",
                                          "z_broken.py:2:6: NNL001 syntax error: '(' was never closed"]


def test_internal_error_in_one_file_does_not_stop_the_run(project, monkeypatch):
    import nnlint.runner as runner_module

    real = runner_module.check_source

    def flaky(data, path, *args, **kwargs):
        if path.endswith("a.py"):
            raise RuntimeError("boom")
        return real(data, path, *args, **kwargs)

    monkeypatch.setattr(runner_module, "check_source", flaky)
    write(project, "a.py", CLEAN)
    write(project, "b.py", BROKEN)
    result = nnlint("check")
    assert result.exit_code == 2
    assert result.stderr == "nnlint: internal error while checking a.py: RuntimeError: boom (please report)\n"
    assert result.stdout.startswith("b.py:2:")


# -- rules and rule -----------------------------------------------------------------------


def test_rule_prints_markdown():
    result = nnlint("rule", "NNL001")
    assert result.exit_code == 0
    assert result.stdout.startswith("# NNL001: syntax-error\n")
    assert "## What it does" in result.stdout


def test_unknown_rule():
    result = nnlint("rule", "NNL999")
    assert result.exit_code == 2 and "'NNL999'" in result.stderr


def test_rules_json_lists_every_code():
    result = nnlint("rules", "--output-format", "json")
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    assert [r["code"] for r in records] == [rule.code for rule in all_rules()]
    assert {"NNL001", "NNL002"} <= {r["code"] for r in records}
    assert all(r["name"] and r["summary"] for r in records)


def test_rules_table():
    lines = nnlint("rules").stdout.splitlines()
    assert lines[0].split() == ["code", "name", "fix", "summary"]
    assert any(line.split()[:2] == ["NNL001", "syntax-error"] for line in lines)
    assert any(line.split()[:3] == ["NNL202", "log-of-softmax", "[*]"] for line in lines)


# -- a real process -----------------------------------------------------------------------


def test_python_dash_m_nnlint(project):
    write(project, "pkg/broken.py", BROKEN)
    write(project, "pkg/model.py")
    env = {key: value for key, value in os.environ.items() if key != "NNLINT_OUTPUT_FORMAT"}
    run = subprocess.run(
        [sys.executable, "-m", "nnlint", "check", "pkg"], cwd=project, capture_output=True, text=True,
        timeout=120, env=env,
    )
    assert run.returncode == 1, run.stderr
    assert run.stdout.startswith("pkg/broken.py:2:") and run.stdout.endswith("Found 1 finding.\n")
    assert run.stderr == ""
    run = subprocess.run(
        [sys.executable, "-m", "nnlint", "check", "--select", "NNL7"], cwd=project, capture_output=True,
        text=True, timeout=120, env=env,
    )
    assert run.returncode == 2 and run.stderr.strip() == "nnlint: error: unknown rule code or prefix 'NNL7' in --select"
    run = subprocess.run([sys.executable, "-m", "nnlint", "--version"], capture_output=True, text=True, timeout=120)
    assert run.stdout.strip() == f"nnlint {__version__}"
