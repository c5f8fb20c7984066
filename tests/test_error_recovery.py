"""A syntax error in one top-level block does not hide the findings in the others: editors
lint half-typed code, and snippets from forums are fragments. Each failing block is one
NNL001 at CPython's error position; findings elsewhere keep their exact lines."""

from __future__ import annotations

import textwrap
from pathlib import Path

from click.testing import CliRunner

from nnlint.cli import cli
from nnlint.lint import lint_source
from nnlint.parse import ParsedFile, parse_source, source_lines
from nnlint.rules import all_rules

ALL_CODES = frozenset(rule.code for rule in all_rules())

MODEL_WITH_LOSS_BUG = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)
'''

TRAIN = '''\
model = Net()
criterion = nn.CrossEntropyLoss()
loss = criterion(model(torch.randn(2, 4)), torch.tensor([0, 1]))
'''


def findings(source: str) -> list[tuple[int, str]]:
    return [(d.start.line, d.code) for d in lint_source(source.encode(), "x.py", ALL_CODES)]


def test_bug_in_one_class_is_found_beside_a_half_typed_function():
    source = MODEL_WITH_LOSS_BUG + "\n\ndef half_typed(x:\n    return x\n\n\n" + TRAIN
    assert findings(source) == [(12, "NNL101"), (15, "NNL001")]
    error = [d for d in lint_source(source.encode(), "x.py", ALL_CODES) if d.code == "NNL001"][0]
    assert error.message == "syntax error: '(' was never closed"
    assert (error.start.column, error.source_line) == (15, "def half_typed(x:")


def test_error_at_the_end_of_the_file_being_typed():
    source = MODEL_WITH_LOSS_BUG + "\n" + TRAIN + "print(loss.item(\n"
    assert findings(source) == [(12, "NNL101"), (17, "NNL001")]


def test_several_broken_blocks_are_each_reported():
    source = "import torch\nx = = 1\n" + MODEL_WITH_LOSS_BUG[13:] + "for i in range(3)\n    pass\n" + TRAIN
    assert [code for _, code in findings(source)] == ["NNL001", "NNL101", "NNL001"]
    assert findings(source)[0][0] == 2 and findings(source)[2][0] == 14


def test_a_file_where_everything_fails_is_one_syntax_error():
    python2 = 'import torch\nprint "loss", torch\nprint "done"\n'
    # The import parses, the prints do not: still one error per failing block.
    assert findings(python2) == [(2, "NNL001"), (3, "NNL001")]
    nothing_parses = 'print "torch"\nprint "done"\n'
    assert findings(nothing_parses) == [(1, "NNL001")]
    assert not isinstance(parse_source(nothing_parses), ParsedFile)


def test_a_decorator_stays_with_its_broken_definition():
    source = "import torch\n\n@torch.no_grad()\ndef evaluate(model, data:\n    pass\n\n" + MODEL_WITH_LOSS_BUG[13:] + TRAIN
    result = findings(source)
    assert [code for _, code in result] == ["NNL001", "NNL101"]
    assert result[0][0] == 4  # at the unclosed bracket, not at an orphaned decorator line


def test_column_zero_text_inside_a_string_is_not_a_block():
    source = MODEL_WITH_LOSS_BUG + 'HELP = """\ndef broken(:\nclass\n"""\n' + TRAIN + "if x\n"
    # The string's lines look like broken statements; only the real error is reported.
    assert findings(source) == [(12, "NNL101"), (20, "NNL001")]


def test_an_unclosed_bracket_does_not_swallow_the_blocks_below():
    source = "import torch\nlayers = [torch.nn.Linear(2, 2),\n\n" + MODEL_WITH_LOSS_BUG[13:] + TRAIN
    assert findings(source) == [(2, "NNL001"), (14, "NNL101")]


def test_an_unclosed_string_is_reported_where_it_starts():
    source = MODEL_WITH_LOSS_BUG + TRAIN + 'NOTE = """never closed\nmore\n'
    assert findings(source) == [(12, "NNL101"), (16, "NNL001")]


def test_indentation_error_inside_one_function():
    source = MODEL_WITH_LOSS_BUG + "\ndef step():\n    x = 1\n      y = 2\n\n" + TRAIN
    assert findings(source) == [(12, "NNL101"), (16, "NNL001")]


def test_crlf_and_form_feed_keep_line_numbers_and_noqa():
    source = (MODEL_WITH_LOSS_BUG + "\x0c\n# page break above\ndef f(:\n" + TRAIN).replace("\n", "\r\n")
    assert findings(source) == [(12, "NNL101"), (15, "NNL001")]
    # A form feed inside a line is not a line break for Python: the noqa is on the finding's line.
    source = "import torch.nn as nn\n# a\x0cb\nm = nn.Softmax()  # noqa: NNL107\n"
    assert findings(source) == []


def test_noqa_silences_one_syntax_error_but_not_the_others():
    source = "import torch\nx = = 1  # noqa: NNL001\n" + MODEL_WITH_LOSS_BUG[13:] + TRAIN + "y = = 2\n"
    assert [code for _, code in findings(source)] == ["NNL101", "NNL001"]


def test_fix_does_not_rewrite_a_partly_broken_file(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = textwrap.dedent("""\
        import torch
        import torch.nn.functional as F

        def nll(logits, y):
            return F.nll_loss(torch.log(F.softmax(logits, dim=1)), y)

        def half(x:
        """)
    target = tmp_path / "m.py"
    target.write_text(source, encoding="utf-8")
    # NNL202 is opt-in; its fix is the one that must not be written here.
    result = CliRunner().invoke(cli, ["check", "--isolated", "--extend-select", "NNL202", "--fix", "m.py"])
    assert "NNL202" in result.output and "NNL001" in result.output
    assert target.read_text(encoding="utf-8") == source


def test_lone_carriage_returns_around_a_broken_block_keep_line_numbers():
    # Found by scripts/fuzz.py: a blanked line's \n after a kept line's lone \r made one \r\n.
    assert findings("import torch.nn as nn\rdef f(:\nm = nn.Softmax()\n") == [(2, "NNL001"), (3, "NNL107")]
    assert findings("import torch.nn as nn\rdef f(:\r\n\rdef g(:\n\nm = nn.Softmax()\r") == [
        (2, "NNL001"), (4, "NNL001"), (6, "NNL107")]


def test_a_libcst_only_error_is_placed_inside_the_file():
    # Found by scripts/fuzz.py: CPython accepts this; libcst rejects it and placed the error
    # at column 9 of an empty line.
    source = ("import torch\ntry:\\\n\n\x0c  \\\n\\\r\n\\\n \\\n\\\n\\\r \\\r\n\t\t\t\x0cpass\n\n"
              "\\\r\n\n\n\nexcept :\n  pass\n")
    lines = source_lines(source)
    found = lint_source(source.encode(), "x.py", ALL_CODES)
    assert [d.code for d in found] == ["NNL001"]
    for diagnostic in found:
        assert 1 <= diagnostic.start.line <= len(lines) + 1
        assert diagnostic.start.column <= len(lines[diagnostic.start.line - 1]) + 1


def test_cpython_error_after_continuation_lines_is_placed_inside_the_file():
    # Found by scripts/fuzz.py: CPython gave column 18 on a 4-character line.
    source = "import torch\nwhile 6_4\\\r\n\\\n\t\\\r\\\x0c\n\\\r\n< 3: pass\r"
    lines = source_lines(source)
    found = lint_source(source.encode(), "x.py", ALL_CODES)
    assert [d.code for d in found] == ["NNL001"]
    start = found[0].start
    assert 1 <= start.line <= len(lines) and start.column <= len(lines[start.line - 1]) + 1
