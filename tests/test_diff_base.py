"""`nnlint check --diff-base REV` on scratch git repositories, with the real `git`.

NNL107 (`nn.Softmax()` without dim) is the finding used throughout: one line, one code,
easy to place exactly where a test needs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from nnlint.changed_lines import ChangedLines, keep_changed, parse_diff
from nnlint.cli import cli
from nnlint.diagnostic import Diagnostic, Location, Position

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

TWO_FINDINGS = "import torch.nn as nn\n\nfirst = nn.Softmax()\nmiddle = 1\nlast = nn.Softmax()\n"


def git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(root.parent)}
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True).stdout


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write(root, "pyproject.toml", "[tool.nnlint]\n")
    write(root, "model.py", TWO_FINDINGS)
    commit(root, "base")
    monkeypatch.chdir(root)
    monkeypatch.delenv("NNLINT_OUTPUT_FORMAT", raising=False)
    return root


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def check(*args: str):
    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        runner = CliRunner()
    return runner.invoke(cli, ["check", "--output-format", "text", *args], catch_exceptions=False)


def reported(result) -> list[str]:
    """`path:line` of every finding printed."""
    return [":".join(line.split(":")[:2]) for line in result.stdout.splitlines() if "NNL" in line]


def test_only_the_finding_on_the_modified_line_is_reported(repo):
    write(repo, "model.py", TWO_FINDINGS.replace("last = nn.Softmax()", "last = nn.Softmax()  # edited"))
    result = check("--diff-base", "HEAD")
    assert reported(result) == ["model.py:5"]
    assert result.exit_code == 1


def test_a_change_elsewhere_hides_every_finding_and_exits_clean(repo):
    write(repo, "model.py", TWO_FINDINGS.replace("middle = 1", "middle = 2"))
    result = check("--diff-base", "HEAD")
    assert reported(result) == []
    assert result.exit_code == 0
    assert len(reported(check())) == 2  # without the option both are still there


def test_staged_and_unstaged_edits_both_count(repo):
    write(repo, "model.py", TWO_FINDINGS.replace("first = nn.Softmax()", "first = nn.Softmax()  # staged"))
    git(repo, "add", "model.py")
    text = (repo / "model.py").read_text()
    write(repo, "model.py", text.replace("last = nn.Softmax()", "last = nn.Softmax()  # unstaged"))
    assert reported(check("--diff-base", "HEAD")) == ["model.py:3", "model.py:5"]


def test_a_file_added_since_the_base_is_changed_everywhere(repo):
    write(repo, "added.py", TWO_FINDINGS)
    commit(repo, "add a file")
    assert reported(check("--diff-base", "HEAD~1")) == ["added.py:3", "added.py:5"]
    assert reported(check("--diff-base", "HEAD")) == []


def test_untracked_and_staged_new_files_are_changed_everywhere(repo):
    write(repo, "untracked.py", TWO_FINDINGS)
    write(repo, "staged.py", TWO_FINDINGS)
    git(repo, "add", "staged.py")
    assert reported(check("--diff-base", "HEAD")) == [
        "staged.py:3", "staged.py:5", "untracked.py:3", "untracked.py:5",
    ]


def test_a_renamed_file_is_reported_at_its_new_path_for_its_edited_lines(repo):
    git(repo, "mv", "model.py", "renamed.py")
    write(repo, "renamed.py", TWO_FINDINGS.replace("first = nn.Softmax()", "first = nn.Softmax()  # moved"))
    git(repo, "add", "-A")
    assert reported(check("--diff-base", "HEAD")) == ["renamed.py:3"]


def test_a_pure_rename_changes_no_line(repo):
    git(repo, "mv", "model.py", "renamed.py")
    assert reported(check("--diff-base", "HEAD")) == []


def test_deleting_lines_inside_a_findings_span_reports_it(repo):
    write(repo, "model.py", "import torch.nn as nn\n\nlayer = nn.Softmax(\n    # a comment\n)\nother = 1\n\nlast = nn.Softmax()\n")
    commit(repo, "multi-line finding")
    write(repo, "model.py", "import torch.nn as nn\n\nlayer = nn.Softmax(\n)\nother = 1\n\nlast = nn.Softmax()\n")
    assert reported(check("--diff-base", "HEAD")) == ["model.py:3"]


def test_deleting_lines_far_from_a_finding_reports_nothing(repo):
    write(repo, "model.py", TWO_FINDINGS + "\n\nx = 1\ny = 2\n")
    commit(repo, "more lines")
    write(repo, "model.py", TWO_FINDINGS + "\n\ny = 2\n")
    assert reported(check("--diff-base", "HEAD")) == []


def test_paths_relative_to_a_subdirectory(repo, monkeypatch):
    write(repo, "pkg/sub/net.py", TWO_FINDINGS)
    commit(repo, "nested")
    write(repo, "pkg/sub/net.py", TWO_FINDINGS.replace("last = nn.Softmax()", "last = nn.Softmax()  # x"))
    monkeypatch.chdir(repo / "pkg" / "sub")
    assert reported(check("--diff-base", "HEAD", "net.py")) == ["net.py:5"]
    assert reported(check("--diff-base", "HEAD", "../sub/net.py")) == ["../sub/net.py:5"]


@pytest.mark.parametrize("name", ["my model.py", 'odd "quoted" näme.py', "tab\tname.py"])
def test_file_names_with_spaces_quotes_and_non_ascii(repo, name):
    write(repo, name, TWO_FINDINGS)
    commit(repo, "odd name")
    write(repo, name, TWO_FINDINGS.replace("last = nn.Softmax()", "last = nn.Softmax()  # x"))
    assert reported(check("--diff-base", "HEAD", name)) == [f"{name}:5"]


def test_an_added_line_that_looks_like_a_diff_header_is_not_one(repo):
    # With zero context an added line "++ b/x" is printed as "+++ b/x"; it must stay a line.
    write(repo, "model.py", TWO_FINDINGS.replace("middle = 1", "middle = 1\n++ b/elsewhere.py"))
    changed = parse_diff(subprocess.run(["git", "diff", "-U0", "HEAD"], cwd=repo, check=True,
                                        stdout=subprocess.PIPE).stdout)
    assert changed == {"model.py": frozenset({5})}


def test_a_finding_counts_when_a_related_location_in_another_file_changed(tmp_path):
    changed = ChangedLines(root=os.path.realpath(tmp_path), lines_by_path={"loss.py": frozenset({7})},
                           tracked=frozenset({"model.py", "loss.py"}))
    here = Position(3, 1)
    finding = Diagnostic("NNL101", "softmax-before-cross-entropy", "m", str(tmp_path / "model.py"), here, here,
                         related=(Location(str(tmp_path / "loss.py"), Position(7, 5), Position(7, 9), "loss"),))
    unrelated = Diagnostic("NNL101", "softmax-before-cross-entropy", "m", str(tmp_path / "model.py"), here, here,
                           related=(Location(str(tmp_path / "loss.py"), Position(9, 5), Position(9, 9), "loss"),))
    assert keep_changed([finding, unrelated], changed) == [finding]


# -- errors -------------------------------------------------------------------------------


def test_outside_a_repository_is_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "model.py", TWO_FINDINGS)
    result = check("--isolated", "--diff-base", "HEAD", "model.py")
    assert result.exit_code == 2
    assert "needs a git repository" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_an_unknown_revision_is_an_error(repo):
    result = check("--diff-base", "no-such-branch")
    assert result.exit_code == 2
    assert "unknown revision 'no-such-branch'" in result.stderr


def test_a_revision_that_looks_like_an_option_is_not_passed_as_one(repo):
    result = check("--diff-base", "--output=owned.txt")
    assert result.exit_code == 2
    assert not (repo / "owned.txt").exists()


def test_without_git_on_path_is_an_error(repo, monkeypatch, tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = check("--diff-base", "HEAD")
    assert result.exit_code == 2
    assert "needs git" in result.stderr


def test_stdin_cannot_be_compared_with_git(repo):
    result = check("--diff-base", "HEAD", "--stdin-filename", "model.py")
    assert result.exit_code == 2
    assert "stdin" in result.stderr


MODEL = """\
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(784, 10)

    def forward(self, x):
        return torch.softmax(self.head(x), dim=1)


WIDTH = 784
"""

TRAIN = """\
import torch
from torch import nn

from model import Net


def train(loader):
    model = Net()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
"""


@pytest.fixture
def two_file_repo(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NNLINT_CACHE_DIR", str(repo.parent / "cache"))
    write(repo, "model.py", MODEL)
    write(repo, "train.py", TRAIN)
    commit(repo, "model and training in two files")
    assert reported(check()) == ["train.py:13"]  # the softmax in model.py reaches the loss here
    return repo


def test_cross_file_finding_counts_when_the_other_end_changed(two_file_repo):
    write(two_file_repo, "model.py", MODEL.replace("dim=1)", "dim=1)  # edited"))
    assert reported(check("--diff-base", "HEAD")) == ["train.py:13"]


def test_cross_file_finding_counts_when_its_own_line_changed(two_file_repo):
    write(two_file_repo, "train.py", TRAIN.replace("model(x), y)", "model(x), y)  # edited"))
    assert reported(check("--diff-base", "HEAD")) == ["train.py:13"]


def test_cross_file_finding_is_hidden_when_neither_end_changed(two_file_repo):
    write(two_file_repo, "model.py", MODEL.replace("WIDTH = 784", "WIDTH = 28 * 28"))
    assert reported(check("--diff-base", "HEAD")) == []


def test_add_noqa_with_diff_base_baselines_only_the_changed_lines(repo):
    write(repo, "model.py", TWO_FINDINGS.replace("last = nn.Softmax()", "last = nn.Softmax(  )"))
    result = check("--add-noqa", "--diff-base", "HEAD")
    assert result.exit_code == 0
    lines = (repo / "model.py").read_text().splitlines()
    assert lines[2] == "first = nn.Softmax()" and lines[4] == "last = nn.Softmax(  )  # noqa: NNL107"
