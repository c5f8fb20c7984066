"""Positions and edits as the language server hands them to editors."""

from __future__ import annotations

import textwrap

import pytest

pytest.importorskip("lsprotocol", reason="the language server needs the `lsp` extra (pygls)")

from nnlint.buffer_lint import lint_buffer  # noqa: E402
from nnlint.config import Config  # noqa: E402
from nnlint.diagnostic import SAFE, UNSAFE, Diagnostic, Edit, Fix, Position  # noqa: E402
from nnlint.lsp.code_actions import TextChange, changed_lines_edit, code_actions, noqa_change  # noqa: E402
from nnlint.lsp.conversion import lsp_diagnostic, lsp_position, split_lines  # noqa: E402
from nnlint.suppress import silenced_codes  # noqa: E402

# NNL202 is opt-in: the buffers below are linted with it enabled, as its finding is the example.
WITH_NNL202 = Config(root="/", extend_select=("NNL202",))


@pytest.mark.parametrize(("encoding", "character"), [("utf-16", 11), ("utf-8", 14), ("utf-32", 10)])
def test_columns_after_non_ascii_characters_count_code_units(encoding: str, character: int) -> None:
    # é is 1 UTF-16 unit and 2 UTF-8 bytes; 😋 is 2 UTF-16 units and 4 UTF-8 bytes.
    lines = ['s = "é😋"; x']
    position = lsp_position(lines, Position(1, 11), encoding)  # the x, 11th character
    assert (position.line, position.character) == (0, character)


def test_span_past_the_last_line_ends_at_the_end_of_the_text() -> None:
    position = lsp_position(["import torch", "x = 1"], Position(7, 1), "utf-16")
    assert (position.line, position.character) == (1, 5)


def test_lines_are_numbered_as_the_parser_numbers_them() -> None:
    # A form feed is whitespace to Python and LSP, a line break to str.splitlines.
    text = "import torch\n\x0c\nx = 1\r\ny = 2\rz"
    assert split_lines(text) == ["import torch", "\x0c", "x = 1", "y = 2", "z"]


def _apply(text: str, change: TextChange) -> str:
    lines = text.split("\n")
    row = change.start.line - 1
    line = lines[row]
    lines[row] = line[:change.start.column - 1] + change.content + line[change.end.column - 1:]
    return "\n".join(lines)


@pytest.mark.parametrize(("line", "expected"), [
    ("y = torch.log(p)", "y = torch.log(p)  # noqa: NNL202"),
    ("y = torch.log(p)   ", "y = torch.log(p)  # noqa: NNL202"),
    ("y = torch.log(p)  # noqa: NNL201", "y = torch.log(p)  # noqa: NNL201, NNL202"),
    ("y = torch.log(p)  # why: see #12", "y = torch.log(p)  # why: see #12  # noqa: NNL202"),
    ('y = "é😋" + torch.log(p)', 'y = "é😋" + torch.log(p)  # noqa: NNL202'),
])
def test_noqa_action_silences_the_code_and_keeps_the_line(line: str, expected: str) -> None:
    text = f"import torch\n{line}\n"
    change = noqa_change(text, split_lines(text), 2, "NNL202")
    assert change is not None
    silenced = _apply(text, change).split("\n")[1]
    assert silenced == expected
    assert "NNL202" in silenced_codes(silenced)


@pytest.mark.parametrize("text", [
    'import torch\nx = torch.log(f("""\nabc"""))\n',   # the line ends inside a string
    "import torch\nx = torch.log(p) + \\\n    1\n",       # a backslash continuation
    "import torch\nx = torch.log(p)  # noqa\n",          # already silences everything
])
def test_no_noqa_action_where_a_comment_cannot_go(text: str) -> None:
    assert noqa_change(text, split_lines(text), 2, "NNL202") is None


def test_applying_the_noqa_action_removes_the_finding() -> None:
    text = textwrap.dedent("""\
        import torch
        import torch.nn.functional as F


        def loss(logits):
            return torch.log(F.softmax(logits, dim=-1))  # keep: see #12
    """)
    config = WITH_NNL202
    [finding] = lint_buffer(text, "model.py", config).diagnostics
    change = noqa_change(text, split_lines(text), finding.start.line, finding.code)
    assert change is not None
    assert lint_buffer(_apply(text, change), "model.py", config).diagnostics == []


def _diagnostic_with_fix(edits: tuple, applicability: str) -> Diagnostic:
    start, end = Position(2, 5), Position(2, 21)
    return Diagnostic(code="NNL107", name="softmax-without-dim", message="m", path="model.py", start=start,
                      end=end, fix=Fix("Add `dim=-1`", edits, applicability))


def _actions(diagnostic: Diagnostic, text: str) -> list:
    lines = split_lines(text)
    published = lsp_diagnostic(diagnostic, lines, "file:///model.py", "utf-16")
    return code_actions(diagnostic, published, text, lines, "file:///model.py", 3, "utf-16")


def test_unsafe_fix_is_offered_but_not_preferred() -> None:
    text = "import torch\ny = torch.softmax(x)\n"
    diagnostic = _diagnostic_with_fix((Edit(Position(2, 20), Position(2, 20), ", dim=-1"),), UNSAFE)
    fix, _noqa = _actions(diagnostic, text)
    assert fix.title == "nnlint (NNL107): Add `dim=-1` (unsafe: check the result)"
    assert not fix.is_preferred
    [edit] = fix.edit.document_changes[0].edits
    assert (edit.range.start.line, edit.range.start.character, edit.new_text) == (1, 19, ", dim=-1")


def test_fix_whose_result_does_not_parse_is_not_offered() -> None:
    text = "import torch\ny = torch.softmax(x)\n"
    diagnostic = _diagnostic_with_fix((Edit(Position(2, 20), Position(2, 21), ", dim=-1"),), SAFE)
    assert [action.title for action in _actions(diagnostic, text)] == [
        "nnlint: disable NNL107 for this line (# noqa)"]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_fix_all_edit_replaces_only_the_changed_lines(newline: str) -> None:
    old = newline.join(["import torch", "a = 1", "b = torch.log(torch.softmax(x, 1))", "c = 2",
                        "d = torch.log(torch.softmax(y, 1))", "e = 3"])
    new = newline.join(["import torch", "a = 1", "b = torch.log_softmax(x, 1)", "c = 2",
                        "d = torch.log_softmax(y, 1)", "e = 3"])
    edit = changed_lines_edit(old, new, "utf-16")
    assert (edit.range.start.line, edit.range.start.character) == (2, 0)
    assert (edit.range.end.line, edit.range.end.character) == (5, 0)
    lines = old.split(newline)
    assert newline.join(lines[:2]) + newline + edit.new_text + lines[5] == new


def test_buffer_with_a_coding_cookie_keeps_its_columns() -> None:
    text = "# -*- coding: latin-1 -*-\nimport torch\ns = 'é'; y = torch.log(torch.softmax(x, 1))\n"
    [finding] = lint_buffer(text, "model.py", WITH_NNL202).diagnostics
    line = text.splitlines()[2]
    assert (finding.start.line, finding.start.column) == (3, line.index("torch.log") + 1)
