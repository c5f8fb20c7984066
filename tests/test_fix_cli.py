"""`check --fix`, `--unsafe-fixes`, `--diff` and stdin fixing as a user sees them: which
files change and how, what is printed, the exit status, and that nothing is written unless
`--fix` was asked for."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from nnlint.cli import cli
from nnlint.diagnostic import Diagnostic, Edit, Fix, Position
from nnlint.fix.apply import apply_fixes, choose_fixes
from nnlint.fix.loop import fix_source
from nnlint.parse import ParsedFile, parse_source


def _parses_completely(text: str) -> bool:
    parsed = parse_source(text)
    return isinstance(parsed, ParsedFile) and parsed.complete

# NNL604 (safe fix) twice, NNL107 (unsafe fix) once, NNL602 (no fix) once.
TRAIN = """\
import torch
import torch.nn as nn

head = nn.Softmax()


def train(model, criterion, optimizer, loader):
    # A comment that must survive, and odd   spacing too.
    for x, y in loader:
        out = model.forward(x)     # trailing comment
        loss = criterion.forward(out, y)
        loss.backward()
        optimizer.step()
"""
TRAIN_FIXED = TRAIN.replace("model.forward(x)", "model(x)").replace("criterion.forward(out, y)", "criterion(out, y)")
TRAIN_ALL_FIXED = TRAIN_FIXED.replace("nn.Softmax()", "nn.Softmax(dim=-1)")
# Findings without any fix.
UNFIXABLE = """\
import torch

def train(model, optimizer, loader):
    for x, y in loader:
        loss = model(x).sum()
        loss.backward()
        optimizer.step()
"""


def nnlint(*args: str, stdin: bytes | None = None):
    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        runner = CliRunner()
    return runner.invoke(cli, ["check", "--no-cache", *args], input=stdin, catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NNLINT_OUTPUT_FORMAT", raising=False)
    # NNL602 and NNL604 are opt-in (docs/precision.md); the fix machinery is tested on them.
    (tmp_path / "pyproject.toml").write_text('[tool.nnlint]\nextend-select = ["NNL602", "NNL604"]\n',
                                             encoding="utf-8")
    return tmp_path


def _write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.write_bytes(text.encode("utf-8"))
    return path


def _snapshot(root: Path) -> dict[str, bytes]:
    return {os.fspath(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_text_marks_fixable_findings_and_counts_hidden_unsafe_fixes(project):
    _write(project, "train.py", TRAIN)
    result = nnlint("train.py")
    lines = result.stdout.splitlines()
    assert result.exit_code == 1
    assert [line.split(" ", 2)[1:] for line in lines if "NNL604" in line][0][1].startswith("[*] ")
    assert "[*]" not in next(line for line in lines if "NNL107" in line)
    assert "[*]" not in next(line for line in lines if "NNL602" in line)
    assert lines[-2:] == ["Found 4 findings.",
                          "[*] 2 fixable with `--fix` (1 hidden fix can be enabled with `--unsafe-fixes`)."]


def test_unsafe_fixes_alone_only_changes_the_display(project):
    path = _write(project, "train.py", TRAIN)
    result = nnlint("--unsafe-fixes", "train.py")
    assert "[*]" in next(line for line in result.stdout.splitlines() if "NNL107" in line)
    assert result.stdout.splitlines()[-1] == "[*] 3 fixable with `--fix --unsafe-fixes`."
    assert path.read_text(encoding="utf-8") == TRAIN


def test_only_unsafe_fixes_says_none_available(project):
    _write(project, "head.py", "import torch.nn as nn\nhead = nn.Softmax()\n")
    assert nnlint("head.py").stdout.splitlines()[-1] == \
        "No fixes available (1 hidden fix can be enabled with `--unsafe-fixes`)."


@pytest.mark.parametrize("options", [(), ("--unsafe-fixes",), ("--output-format", "json"), ("--statistics",),
                                     ("--output-format", "full", "--unsafe-fixes"), ("--diff",),
                                     ("--diff", "--unsafe-fixes")])
def test_without_fix_no_file_is_ever_written(project, options):
    _write(project, "train.py", TRAIN)
    _write(project, "other.py", UNFIXABLE)
    before = _snapshot(project)
    nnlint(*options, ".")
    assert _snapshot(project) == before


def test_fix_applies_safe_fixes_and_reports_what_remains(project):
    path = _write(project, "train.py", TRAIN)
    result = nnlint("--fix", "train.py")
    assert path.read_text(encoding="utf-8") == TRAIN_FIXED
    lines = result.stdout.splitlines()
    assert [line.split()[1] for line in lines[:-2]] == ["NNL107", "NNL602"]
    assert lines[-2:] == ["Found 4 findings (2 fixed, 2 remaining).",
                          "No fixes available (1 hidden fix can be enabled with `--unsafe-fixes`)."]
    assert result.exit_code == 1
    # Idempotent: a second run changes nothing and fixes nothing.
    again = nnlint("--fix", "train.py")
    assert path.read_text(encoding="utf-8") == TRAIN_FIXED
    assert again.stdout.splitlines()[-2] == "Found 2 findings (0 fixed, 2 remaining)."


def test_unsafe_fixes_with_fix_applies_them_too(project):
    path = _write(project, "train.py", TRAIN)
    result = nnlint("--fix", "--unsafe-fixes", "train.py")
    assert path.read_text(encoding="utf-8") == TRAIN_ALL_FIXED
    assert _parses_completely(TRAIN_ALL_FIXED)
    assert result.stdout.splitlines()[-1] == "Found 4 findings (3 fixed, 1 remaining)."


def test_fix_exits_0_when_nothing_remains(project):
    path = _write(project, "fwd.py", "import torch\n\ndef f(model, x):\n    return model.forward(x)\n")
    result = nnlint("--fix", "fwd.py")
    assert (result.exit_code, result.stdout) == (0, "Found 1 finding (1 fixed, 0 remaining).\n")
    assert path.read_text(encoding="utf-8").endswith("    return model(x)\n")


def test_unfixable_file_is_left_byte_identical(project):
    # CRLF, a BOM and no final newline: bytes nnlint has no reason to touch.
    data = b"\xef\xbb\xbf" + UNFIXABLE.replace("\n", "\r\n").rstrip().encode("utf-8")
    path = project / "other.py"
    path.write_bytes(data)
    os.utime(path, (1_000_000_000, 1_000_000_000))
    result = nnlint("--fix", "--unsafe-fixes", "other.py")
    assert result.exit_code == 1
    assert path.read_bytes() == data
    assert path.stat().st_mtime == 1_000_000_000


def test_fix_keeps_line_endings_bom_and_permissions(project):
    data = b"\xef\xbb\xbf" + TRAIN.replace("\n", "\r\n").encode("utf-8")
    path = project / "train.py"
    path.write_bytes(data)
    path.chmod(0o750)
    nnlint("--fix", "train.py")
    assert path.read_bytes() == b"\xef\xbb\xbf" + TRAIN_FIXED.replace("\n", "\r\n").encode("utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == 0o750
    assert [p.name for p in project.iterdir() if p.name.startswith(".train")] == []


def test_fix_through_a_symlink_fixes_the_target(project):
    target = _write(project, "train.py", TRAIN)
    (project / "link.py").symlink_to(target)
    nnlint("--fix", "link.py")
    assert (project / "link.py").is_symlink()
    assert target.read_text(encoding="utf-8") == TRAIN_FIXED


def test_diff_prints_the_change_writes_nothing_and_exits_1(project):
    path = _write(project, "train.py", TRAIN)
    result = nnlint("--diff", "train.py")
    assert result.exit_code == 1
    assert path.read_text(encoding="utf-8") == TRAIN
    assert result.stdout.splitlines()[:2] == ["--- train.py", "+++ train.py"]
    assert "-        out = model.forward(x)     # trailing comment" in result.stdout.splitlines()
    assert "+        out = model(x)     # trailing comment" in result.stdout.splitlines()
    assert "Softmax" not in result.stdout  # unsafe, not enabled
    assert result.stderr == "Would fix 2 findings.\n"


def test_diff_without_changes_exits_0(project):
    _write(project, "other.py", UNFIXABLE)
    result = nnlint("--diff", "other.py")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "No fixes to apply.\n")


def test_stdin_fix_prints_the_fixed_source_and_findings_to_stderr(project):
    on_disk = _write(project, "train.py", UNFIXABLE)  # an editor's buffer differs from the file
    result = nnlint("--fix", "--stdin-filename", "train.py", "-", stdin=TRAIN.encode("utf-8"))
    assert result.stdout == TRAIN_FIXED
    assert result.exit_code == 1
    assert [line.split()[1] for line in result.stderr.splitlines()[:2]] == ["NNL107", "NNL602"]
    assert "(2 fixed, 2 remaining)" in result.stderr
    assert on_disk.read_text(encoding="utf-8") == UNFIXABLE


def test_stdin_fix_without_fixes_echoes_the_source(project):
    result = nnlint("--fix", "--stdin-filename", "other.py", "-", stdin=UNFIXABLE.encode("utf-8"))
    assert result.stdout == UNFIXABLE
    assert result.exit_code == 1


def test_stdin_diff(project):
    result = nnlint("--diff", "--stdin-filename", "train.py", stdin=TRAIN.encode("utf-8"))
    assert result.exit_code == 1
    assert "+        out = model(x)     # trailing comment" in result.stdout.splitlines()


def test_json_keeps_unsafe_fixes_as_edits(project):
    _write(project, "train.py", TRAIN)
    records = json.loads(nnlint("--output-format", "json", "train.py").stdout)
    softmax = next(r for r in records if r["code"] == "NNL107")
    assert softmax["fix"]["applicability"] == "unsafe"
    assert softmax["fix"]["edits"] == [{"content": "dim=-1", "location": {"row": 4, "column": 19},
                                        "end_location": {"row": 4, "column": 19}}]


def test_noqa_finding_is_not_fixed(project):
    text = TRAIN.replace("out = model.forward(x)     # trailing comment", "out = model.forward(x)  # noqa: NNL604")
    path = _write(project, "train.py", text)
    nnlint("--fix", "train.py")
    fixed = path.read_text(encoding="utf-8")
    assert "model.forward(x)  # noqa: NNL604" in fixed and "criterion(out, y)" in fixed


# -- the fix engine on its own ----------------------------------------------------------------


def _finding(fix: Fix, line: int = 1) -> Diagnostic:
    return Diagnostic("NNL999", "test", "message", "x.py", Position(line, 1), Position(line, 2), fix=fix)


def test_a_fix_whose_result_does_not_parse_is_skipped():
    source = b"import torch\nx = torch.zeros(3)\ny = x\n"
    breaking = Fix("break it", (Edit(Position(2, 1), Position(2, 2), "x = ("),), "safe")
    fine = Fix("rename", (Edit(Position(3, 1), Position(3, 2), "z"),), "safe")
    calls = []

    def lint(data: bytes) -> list[Diagnostic]:
        calls.append(data)
        return [_finding(breaking, 2), _finding(fine, 3)] if len(calls) == 1 else []

    result = fix_source(source, lint, unsafe=False)
    assert result.fixed == b"import torch\nx = torch.zeros(3)\nz = x\n"
    assert [d.fix for d in result.unparsable] == [breaking]


def test_overlapping_fixes_wait_for_the_next_pass():
    outer = Fix("outer", (Edit(Position(1, 1), Position(1, 10), "a"),))
    inner = Fix("inner", (Edit(Position(1, 3), Position(1, 5), "b"),))
    beside = Fix("beside", (Edit(Position(1, 10), Position(1, 11), "c"),))
    assert choose_fixes([outer, inner, beside]) == [outer, beside]
    assert apply_fixes("0123456789X", [outer, beside]) == "acX"


def test_a_fix_that_recreates_its_finding_stops_after_the_pass_limit():
    def lint(data: bytes) -> list[Diagnostic]:
        return [_finding(Fix("grow", (Edit(Position(1, 1), Position(1, 1), "#"),), "safe"))]

    result = fix_source(b"x = 1  # torch\n", lint, unsafe=False)
    assert result.fixed == b"#" * 10 + b"x = 1  # torch\n"


def test_cross_file_findings_remain_after_fixing_the_file(project):
    _write(project, "model.py", """\
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)
""")
    train = _write(project, "train.py", """\
import torch.nn as nn
from model import Net

def train(loader, optimizer):
    net = Net()
    net.register_forward_hook(print)
    criterion = nn.CrossEntropyLoss()
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(net(x), y)
        loss.backward()
        optimizer.step()
        print(net.forward(x))
""")
    model_before = (project / "model.py").read_bytes()
    result = nnlint("--fix", "--unsafe-fixes", "train.py")
    assert "print(net(x))" in train.read_text(encoding="utf-8")
    # The softmax lives in model.py: reported at the loss in train.py, and not fixed from there.
    assert [line.split()[1] for line in result.stdout.splitlines()[:-1]] == ["NNL101"]
    assert (project / "model.py").read_bytes() == model_before


def test_rule_pages_and_the_rules_list_say_how_a_rule_is_fixed():
    runner = CliRunner()
    assert "Fix is always available (safe: `--fix` applies it)." in runner.invoke(cli, ["rule", "NNL604"]).output
    assert "Fix is sometimes available (unsafe" in runner.invoke(cli, ["rule", "NNL205"]).output
    assert "Fix is not available." in runner.invoke(cli, ["rule", "NNL602"]).output
    records = {r["code"]: r for r in json.loads(runner.invoke(cli, ["rules", "--output-format", "json"]).output)}
    assert (records["NNL107"]["fix_availability"], records["NNL107"]["fix_applicability"]) == ("always", "unsafe")
    assert (records["NNL602"]["fix_availability"], records["NNL602"]["fix_applicability"]) == ("none", None)


def test_a_file_with_a_syntax_error_is_not_fixed(project):
    text = TRAIN + "\ndef broken(:\n    pass\n"
    path = _write(project, "train.py", text)
    result = nnlint("--fix", "--unsafe-fixes", "train.py")
    assert path.read_text(encoding="utf-8") == text
    assert "NNL001" in result.stdout and "[*]" not in result.stdout


def test_a_read_only_file_is_not_replaced_even_by_root(project):
    # Root may write any file; a file nobody may write was made read-only on purpose.
    path = _write(project, "train.py", TRAIN)
    path.chmod(0o444)
    result = nnlint("--fix", "train.py")
    assert result.exit_code == 2
    assert "nnlint: error: cannot write the fixed train.py: it is read-only\n" in result.stderr
    assert path.read_text(encoding="utf-8") == TRAIN
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert "NNL604" in result.stdout  # nothing was fixed: the findings remain


def test_an_edit_saved_during_the_fix_is_kept(project, monkeypatch):
    # Another process (an editor, a formatter) saves the file after nnlint read it to fix it.
    from nnlint.fix import files as fix_files

    path = _write(project, "train.py", TRAIN)
    other = _write(project, "z_other.py", TRAIN)  # fixed after train.py
    saved = TRAIN.replace("# A comment", "# An edit saved meanwhile; a comment")
    real_fix_source = fix_files.fix_source

    calls = []

    def fix_while_the_user_saves(data, lint, unsafe, **options):
        result = real_fix_source(data, lint, unsafe, **options)
        if not calls:
            path.write_text(saved, encoding="utf-8")
        calls.append(data)
        return result

    monkeypatch.setattr(fix_files, "fix_source", fix_while_the_user_saves)
    result = nnlint("--fix", "train.py", "z_other.py")
    assert path.read_text(encoding="utf-8") == saved
    assert other.read_text(encoding="utf-8") == TRAIN_FIXED  # the other file is still fixed
    assert ("nnlint: error: not fixed: train.py changed while nnlint fixed it; run again\n"
            in result.stderr)
    assert result.exit_code == 2


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a file away")
def test_fix_keeps_the_owner(project):
    path = _write(project, "train.py", TRAIN)
    os.chown(path, 65534, 65534)
    result = nnlint("--fix", "train.py")
    assert path.read_text(encoding="utf-8") == TRAIN_FIXED, result.stderr
    assert (path.stat().st_uid, path.stat().st_gid) == (65534, 65534)


def test_diff_with_exit_zero_exits_0(project):
    _write(project, "train.py", TRAIN)
    result = nnlint("--diff", "--exit-zero", "train.py")
    assert result.exit_code == 0 and result.stdout.startswith("--- train.py")


def test_full_output_shows_what_the_fix_does(project):
    _write(project, "train.py", TRAIN)
    lines = nnlint("--output-format", "full", "train.py").stdout.splitlines()
    assert "  = fix [*]: Call `model(...)` instead of `model.forward(...)`" in lines
    # The unsafe fix is not enabled: the rule's advice is shown instead.
    assert "  = fix: Pass dim explicitly, usually dim=-1 (the class axis)." in lines


def test_columns_count_characters_with_tabs_and_wide_characters(project):
    path = _write(project, "tab.py", 'import torch\n\ndef f(model, x):\n\ty = "é€😀"; return model.forward(x)\n')
    nnlint("--fix", "tab.py")
    assert path.read_text(encoding="utf-8").endswith('\ty = "é€😀"; return model(x)\n')
