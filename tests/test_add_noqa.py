"""`nnlint check --add-noqa`: every current finding gets a `# noqa` on its line, nothing else
in the file changes (bytes compared exactly), a second run adds nothing, and `nnlint check`
is then clean. Findings that cannot take a comment are left alone and reported.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from nnlint.cli import cli

SOFTMAX = "import torch.nn as nn\n\nfirst = nn.Softmax()\nmiddle = 1\nlast = nn.Softmax()\n"
SOFTMAX_NOQA = ("import torch.nn as nn\n\nfirst = nn.Softmax()  # noqa: NNL107\nmiddle = 1\n"
                "last = nn.Softmax()  # noqa: NNL107\n")


def run(*args: str):
    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        runner = CliRunner()
    return runner.invoke(cli, ["check", *args], catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NNLINT_OUTPUT_FORMAT", raising=False)
    (tmp_path / "pyproject.toml").write_text("[tool.nnlint]\n")
    return tmp_path


def baseline(project: Path, data: bytes, name: str = "model.py"):
    """Write `data`, run --add-noqa on it; return the result and the file's new bytes."""
    path = project / name
    path.write_bytes(data)
    result = run("--add-noqa", name)
    return result, path.read_bytes()


def assert_clean_afterwards(name: str = "model.py") -> None:
    again = run("--add-noqa", name)
    assert again.exit_code == 0 and "Added 0 noqa directives." in again.stderr
    check = run(name)
    assert check.exit_code == 0, check.stdout


def test_each_finding_line_gets_a_directive_and_nothing_else_changes(project):
    result, data = baseline(project, SOFTMAX.encode())
    assert data == SOFTMAX_NOQA.encode()
    assert result.exit_code == 0
    assert "Added 2 noqa directives." in result.stderr
    assert result.stdout == ""  # the findings are not printed: they are now baselined
    assert_clean_afterwards()


def test_second_run_changes_no_byte(project):
    baseline(project, SOFTMAX.encode())
    before = (project / "model.py").stat().st_mtime_ns, (project / "model.py").read_bytes()
    run("--add-noqa", "model.py")
    assert ((project / "model.py").stat().st_mtime_ns, (project / "model.py").read_bytes()) == before


def test_two_codes_on_one_line_make_one_sorted_directive(project):
    (project / "pyproject.toml").write_text('[tool.nnlint]\nextend-select = ["NNL202"]\n')  # opt-in
    source = "import torch\nimport torch.nn.functional as F\n\ndef f(x):\n    return torch.log(F.softmax(x))\n"
    result, data = baseline(project, source.encode())
    assert data.decode().splitlines()[4] == "    return torch.log(F.softmax(x))  # noqa: NNL107, NNL202"
    assert "Added 1 noqa directive." in result.stderr
    assert_clean_afterwards()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("first = nn.Softmax()  # noqa: E501", "first = nn.Softmax()  # noqa: E501, NNL107"),
        ("first = nn.Softmax()  # NOQA:E501,W291 long line", "first = nn.Softmax()  # NOQA:E501,W291, NNL107 long line"),
        ("first = nn.Softmax()  # type: ignore[call-arg]", "first = nn.Softmax()  # type: ignore[call-arg]  # noqa: NNL107"),
        ("first = nn.Softmax()  # nnlint: ignore[NNL101]", "first = nn.Softmax()  # nnlint: ignore[NNL101]  # noqa: NNL107"),
        ("first = nn.Softmax()   \t", "first = nn.Softmax()  # noqa: NNL107   \t"),
        # A directive-like text inside a string is a string, not a comment to extend.
        ('first = nn.Softmax(); text = "# noqa: E501 is text"',
         'first = nn.Softmax(); text = "# noqa: E501 is text"  # noqa: NNL107'),
    ],
)
def test_existing_comments_are_merged_without_duplicates(project, line, expected):
    _, data = baseline(project, f"import torch.nn as nn\n{line}\n".encode())
    assert data == f"import torch.nn as nn\n{expected}\n".encode()
    assert_clean_afterwards()


def test_crlf_line_endings_stay(project):
    result, data = baseline(project, SOFTMAX.replace("\n", "\r\n").encode())
    assert data == SOFTMAX_NOQA.replace("\n", "\r\n").encode()
    assert_clean_afterwards()


def test_mixed_line_endings_and_a_missing_final_newline_stay(project):
    source = b"import torch.nn as nn\r\n\nfirst = nn.Softmax()\r\nmiddle = 1\nlast = nn.Softmax()"
    _, data = baseline(project, source)
    assert data == (b"import torch.nn as nn\r\n\nfirst = nn.Softmax()  # noqa: NNL107\r\nmiddle = 1\n"
                    b"last = nn.Softmax()  # noqa: NNL107")
    assert_clean_afterwards()


def test_bom_and_declared_encoding_stay(project):
    _, data = baseline(project, b"\xef\xbb\xbf" + SOFTMAX.encode())
    assert data == b"\xef\xbb\xbf" + SOFTMAX_NOQA.encode()
    latin = "# -*- coding: latin-1 -*-\nimport torch.nn as nn\nname = 'café'; layer = nn.Softmax()\n"
    _, data = baseline(project, latin.encode("latin-1"), name="latin.py")
    assert data == latin.replace("nn.Softmax()\n", "nn.Softmax()  # noqa: NNL107\n").encode("latin-1")
    assert_clean_afterwards("latin.py")


def test_lines_after_a_form_feed_are_counted_as_python_counts_them(project):
    # str.splitlines() breaks at a form feed; Python and libcst do not.
    source = "import torch.nn as nn\n\x0c\nfirst = nn.Softmax()\n"
    _, data = baseline(project, source.encode())
    assert data == source.replace("nn.Softmax()\n", "nn.Softmax()  # noqa: NNL107\n").encode()
    assert_clean_afterwards()


def test_a_line_inside_brackets_takes_a_comment(project):
    source = "import torch.nn as nn\nlayers = [\n    nn.Softmax(),\n]\n"
    _, data = baseline(project, source.encode())
    assert data.decode().splitlines()[2] == "    nn.Softmax(),  # noqa: NNL107"
    assert_clean_afterwards()


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ('import torch.nn as nn\nlayer = nn.Softmax(); doc = """start\nend"""\n', "inside a multi-line string"),
        ("import torch.nn as nn\nlayer = nn.Softmax() \\\n    if True else None\n", "with a backslash continuation"),
    ],
)
def test_a_line_that_cannot_take_a_comment_is_skipped_and_reported(project, source, reason):
    result, data = baseline(project, source.encode())
    assert data == source.encode()
    assert result.exit_code == 1  # the finding is still there
    assert f"no noqa added for model.py:2:9: NNL107: line 2 ends {reason}" in result.stderr
    assert "Added 0 noqa directives." in result.stderr
    assert run("model.py").exit_code == 1


def test_a_file_with_a_syntax_error_is_skipped(project):
    source = "import torch\ndef f(x:\n"
    result, data = baseline(project, source.encode())
    assert data == source.encode()
    assert result.exit_code == 1
    assert "NNL001" in result.stderr and "no noqa added" in result.stderr


def test_clean_files_are_not_touched(project):
    clean = project / "clean.py"
    clean.write_bytes(b"import torch\nx = torch.zeros(3)\n")
    before = clean.stat().st_mtime_ns
    result = run("--add-noqa", "clean.py")
    assert result.exit_code == 0 and "Added 0 noqa directives." in result.stderr
    assert clean.stat().st_mtime_ns == before


@pytest.mark.parametrize("extra", [["--fix"], ["--diff"], ["--stdin-filename", "model.py"]])
def test_add_noqa_refuses_stdin_and_fixing(project, extra):
    (project / "model.py").write_text(SOFTMAX)
    result = run("--add-noqa", *extra, *([] if "--stdin-filename" in extra else ["model.py"]))
    assert result.exit_code == 2
    assert "--add-noqa" in result.stderr
    assert (project / "model.py").read_text() == SOFTMAX


def test_exit_zero_makes_skipped_findings_exit_clean(project):
    (project / "model.py").write_text('import torch.nn as nn\nlayer = nn.Softmax(); doc = """a\nb"""\n')
    result = run("--add-noqa", "--exit-zero", "model.py")
    assert result.exit_code == 0 and "no noqa added" in result.stderr
