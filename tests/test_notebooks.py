"""Jupyter notebooks as a user meets them: findings by cell and line, magics, --fix, noqa,
broken files, folders, the project join and the cache (docs/notebooks.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import configure, nnlint, project, write  # noqa: F401 - `project` is a fixture

MARKDOWN = {"cell_type": "markdown", "metadata": {}, "source": ["# Training a classifier\n", "A small net."]}


def code(*lines: str, outputs: list | None = None) -> dict:
    source = [line + "\n" for line in lines]
    if source:
        source[-1] = source[-1].rstrip("\n")  # as Jupyter saves it: no newline after the last line
    return {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": outputs or [], "source": source}


def notebook(*cells: dict) -> str:
    document = {"cells": list(cells), "nbformat": 4, "nbformat_minor": 5,
                "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}}
    # nbformat's own layout: one-space indent, sorted keys, a newline at the end.
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


IMPORTS = code("%matplotlib inline", "!pip install torch", "import torch", "import torch.nn as nn",
               "import torch.nn.functional as F")
NET = code("class Net(nn.Module):",
           "    def __init__(self):",
           "        super().__init__()",
           "        self.fc = nn.Linear(4, 3)",
           "",
           "    def forward(self, x):",
           "        return F.softmax(self.fc(x), dim=1)")
TRAIN = code("%%time", "net = Net()", "x = torch.randn(8, 4)", "y = torch.randint(0, 3, (8,))",
             "loss = nn.CrossEntropyLoss()(net(x), y)", "net?",
             outputs=[{"name": "stdout", "output_type": "stream", "text": ["CPU times: 3 ms\n"]}])
BUGGY = notebook(MARKDOWN, IMPORTS, NET, TRAIN)


def test_softmax_into_cross_entropy_is_reported_at_its_cell_and_line(project):
    write(project, "nb.ipynb", BUGGY)
    result = nnlint("check", "nb.ipynb")
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    # Cell 3 counting every cell (the markdown one is cell 1), line 7 of that cell.
    assert first.startswith("nb.ipynb:cell 3:7:16: NNL101 ")
    assert "(cell 4, line 5)" in first  # the loss, named as the notebook shows it


def test_json_gives_the_cell_and_rows_inside_it(project):
    write(project, "nb.ipynb", BUGGY)
    [record] = json.loads(nnlint("check", "--output-format", "json", "nb.ipynb").stdout)
    assert (record["code"], record["cell"]) == ("NNL101", 3)
    assert record["location"] == {"row": 7, "column": 16}
    assert record["end_location"] == {"row": 7, "column": 44}
    assert record["noqa_row"] == 7
    assert record["fix"]["edits"][0]["location"]["row"] == 7
    [loss] = record["related"]
    assert (loss["cell"], loss["location"]["row"]) == (4, 5)


def test_python_files_keep_a_null_cell_and_no_cell_in_related(project):
    write(project, "train.py", "import torch.nn as nn\nimport torch.nn.functional as F\n"
          "loss = nn.CrossEntropyLoss()(F.softmax(out, dim=1), y)\n")
    [record] = json.loads(nnlint("check", "--output-format", "json", "train.py").stdout)
    assert record["cell"] is None and record["location"]["row"] == 3
    assert all("cell" not in related for related in record["related"])


def _json_line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_ci_formats_point_at_the_line_of_the_notebook_file(project):
    write(project, "nb.ipynb", BUGGY)
    line = _json_line_of(BUGGY, "return F.softmax(self.fc(x), dim=1)")
    column = BUGGY.splitlines()[line - 1].index("F.softmax") + 1
    sarif = json.loads(nnlint("check", "--output-format", "sarif", "nb.ipynb").stdout)
    [result] = sarif["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (line, column)
    assert result["properties"]["nnlintCell"] == 3
    assert result["message"]["text"].startswith("cell 3, line 7: ")
    assert "fixes" not in result  # a cell edit is no region of the JSON file
    github = nnlint("check", "--output-format", "github", "nb.ipynb").stdout
    assert f"file=nb.ipynb,line={line},col={column}," in github and "::cell 3, line 7: " in github
    [issue] = json.loads(nnlint("check", "--output-format", "gitlab", "nb.ipynb").stdout)
    assert issue["location"]["lines"]["begin"] == line
    junit = nnlint("check", "--output-format", "junit", "nb.ipynb").stdout
    assert 'message="cell 3, line 7, column 16: ' in junit and ">nb.ipynb:cell 3:7:16: NNL101 " in junit


def test_a_clean_notebook_is_clean(project):
    fixed = code("class Net(nn.Module):", "    def __init__(self):", "        super().__init__()",
                 "        self.fc = nn.Linear(4, 3)", "", "    def forward(self, x):", "        return self.fc(x)")
    write(project, "nb.ipynb", notebook(MARKDOWN, IMPORTS, fixed, TRAIN))
    result = nnlint("check", "nb.ipynb")
    assert (result.exit_code, result.stdout) == (0, "All checks passed!\n")


def test_magics_and_shell_lines_are_not_syntax_errors(project):
    cells = [
        code("%load_ext autoreload", "%autoreload 2", "import torch", "files = !ls data/", "torch.nn.Linear?"),
        code("%%bash", "for f in *.csv; do wc -l $f; done"),  # another language: skipped
        code("%%timeit", "torch.zeros(3)"),
        code("for _ in range(2):", "    %time torch.ones(2)", "!pip install \\", "    torchvision"),
        code("x = torch.ones(2)", "x.sum??"),
    ]
    write(project, "nb.ipynb", notebook(*cells))
    result = nnlint("check", "nb.ipynb")
    assert (result.exit_code, result.stdout) == (0, "All checks passed!\n")


def test_continuation_lines_starting_with_operators_are_python_not_magics(project):
    # black puts binary operators first on continuation lines; IPython reads escapes only
    # where a statement starts.
    cell = code("import torch", "labels = torch.tensor([1, 2])", "mask = (", "    labels", "    != 3", ")",
                "rem = (", "    labels.sum()", "    % 7", ")", 'doc = """', "!not a shell line", "what?", '"""')
    write(project, "nb.ipynb", notebook(cell))
    result = nnlint("check", "nb.ipynb")
    assert (result.exit_code, result.stdout) == (0, "All checks passed!\n")


def test_a_syntax_error_in_a_cell_is_reported_in_that_cell(project):
    write(project, "nb.ipynb", notebook(MARKDOWN, IMPORTS, code("x = torch.zeros(3)", "def f(x:", "    return x")))
    result = nnlint("check", "nb.ipynb")
    assert result.exit_code == 1
    assert result.stdout.startswith("nb.ipynb:cell 3:2:") and " NNL001 " in result.stdout.splitlines()[0]


def test_fix_writes_valid_notebook_json_with_the_fix_in_its_cell(project):
    configure(project, 'extend-select = ["NNL604"]\n')  # opt-in; its fix is what is tested
    # A hook installed: NNL604 does not report a module the file builds itself and never hooks.
    train = code("model = Net()", "model.register_forward_hook(lambda *args: None)", "out = model.forward(torch.randn(2, 4))",
                 outputs=[{"data": {"image/png": "iVBORw0KGgo="}, "metadata": {}, "output_type": "display_data"}])
    fixed_net = code("class Net(nn.Module):", "    def __init__(self):", "        super().__init__()",
                     "        self.fc = nn.Linear(4, 3)", "", "    def forward(self, x):", "        return self.fc(x)")
    before = notebook(MARKDOWN, IMPORTS, fixed_net, train)
    path = write(project, "nb.ipynb", before)
    result = nnlint("check", "--fix", "nb.ipynb")
    assert result.exit_code == 0, result.output
    after = path.read_text(encoding="utf-8")
    document = json.loads(after)  # still a notebook
    assert document["cells"][3]["source"] == ["model = Net()\n", "model.register_forward_hook(lambda *args: None)\n",
                                              "out = model(torch.randn(2, 4))"]
    assert document["cells"][3]["outputs"] == json.loads(before)["cells"][3]["outputs"]
    # Only the fixed line differs: indentation, key order, other cells and metadata are untouched.
    changed = [(old, new) for old, new in zip(before.splitlines(), after.splitlines()) if old != new]
    assert changed == [('    "out = model.forward(torch.randn(2, 4))"', '    "out = model(torch.randn(2, 4))"')]
    assert len(before.splitlines()) == len(after.splitlines())
    again = nnlint("check", "--fix", "nb.ipynb")
    assert again.exit_code == 0 and path.read_text(encoding="utf-8") == after


def test_unsafe_fix_removes_the_softmax_in_the_model_cell(project):
    path = write(project, "nb.ipynb", BUGGY)
    result = nnlint("check", "--fix", "--unsafe-fixes", "nb.ipynb")
    assert result.exit_code == 0, result.output
    source = json.loads(path.read_text(encoding="utf-8"))["cells"][2]["source"]
    assert source[-1] == "        return self.fc(x)"


def test_noqa_in_a_cell_silences_the_finding(project):
    net = dict(NET, source=[*NET["source"][:-1], NET["source"][-1] + "  # noqa: NNL101"])
    write(project, "nb.ipynb", notebook(MARKDOWN, IMPORTS, net, TRAIN))
    result = nnlint("check", "nb.ipynb")
    assert (result.exit_code, result.stdout) == (0, "All checks passed!\n")


def test_add_noqa_writes_the_comment_into_the_cell(project):
    path = write(project, "nb.ipynb", BUGGY)
    assert nnlint("check", "--add-noqa", "nb.ipynb").exit_code == 0
    source = json.loads(path.read_text(encoding="utf-8"))["cells"][2]["source"]
    assert source[-1] == "        return F.softmax(self.fc(x), dim=1)  # noqa: NNL101"
    assert nnlint("check", "nb.ipynb").exit_code == 0


@pytest.mark.parametrize("text, message", [
    ('{"cells": [\n  {"cell_type": "code",\n', "NNL002 not a valid notebook: invalid JSON"),
    ("import torch\nprint(torch.zeros(3))\n", "NNL002 not a valid notebook: invalid JSON"),
    ('{"metadata": {}, "nbformat": 4}\n', 'NNL002 not a valid notebook: no "cells" list'),
    ('{"worksheets": [], "nbformat": 3}\n', "NNL002 not analysed: nbformat 3 notebook"),
])
def test_a_file_that_is_not_a_notebook_gets_a_clear_finding(project, text, message):
    write(project, "nb.ipynb", text)
    result = nnlint("check", "nb.ipynb")
    assert result.exit_code == 1
    assert message in result.stdout


def test_invalid_json_is_reported_where_the_json_breaks(project):
    write(project, "nb.ipynb", '{"cells": [\n  {"cell_type": "code"\n   "source": []}]}\n')
    assert nnlint("check", "nb.ipynb").stdout.startswith("nb.ipynb:3:4: NNL002 not a valid notebook: invalid JSON")


def test_folders_include_notebooks_and_excludes_apply(project):
    write(project, "notebooks/train.ipynb", BUGGY)
    write(project, "scratch/old.ipynb", BUGGY)
    write(project, "notebooks/.ipynb_checkpoints/train-checkpoint.ipynb", BUGGY)  # Jupyter's copies: excluded
    configure(project, 'extend-exclude = ["scratch"]\n')
    result = nnlint("check", "--output-format", "json")
    assert {record["filename"] for record in json.loads(result.stdout)} == {"notebooks/train.ipynb"}


def test_a_notebook_uses_a_model_from_a_python_file_of_the_project(project):
    write(project, "models.py", "import torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
          "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
          "        self.fc = nn.Linear(4, 3)\n\n    def forward(self, x):\n        return F.softmax(self.fc(x), dim=1)\n")
    write(project, "nb.ipynb", notebook(MARKDOWN, code("import torch", "import torch.nn as nn", "from models import Net"),
                                        TRAIN))
    outputs = [nnlint("check", "nb.ipynb").stdout for _ in range(2)]  # cold, then from the cache
    assert outputs[0] == outputs[1]
    [line] = [line for line in outputs[0].splitlines() if line.startswith("nb.ipynb:")]
    assert line.startswith("nb.ipynb:cell 3:5:") and "NNL101" in line and "models.py:11" in line


def test_cells_without_an_import_still_get_checked(project):
    # The torch import lives in cell 2; the buggy code in cell 4 never names torch itself.
    cells = [MARKDOWN, code("import torch.nn as nn"), code("crit = nn.CrossEntropyLoss()"),
             code("loss = crit(logits.softmax(dim=1), labels)")]
    write(project, "nb.ipynb", notebook(*cells))
    result = nnlint("check", "nb.ipynb")
    assert result.stdout.startswith("nb.ipynb:cell 4:1:")


def test_a_notebook_of_another_language_is_skipped(project):
    document = json.loads(BUGGY)
    document["metadata"]["kernelspec"] = {"display_name": "R", "language": "R", "name": "ir"}
    write(project, "nb.ipynb", json.dumps(document))
    result = nnlint("check", "nb.ipynb")
    assert (result.exit_code, result.stdout) == (0, "All checks passed!\n")


def test_positions_and_fixes_survive_escaped_json(project):
    configure(project, 'extend-select = ["NNL604"]\n')  # opt-in; its fix is what is tested
    # Saved with every non-ASCII character escaped (`\u00e9`, an emoji as a surrogate pair),
    # quotes and tabs escaped too, and Windows line ends between the JSON lines.
    line = 'out = model.forward(x)  # "caf\u00e9" \U0001F600\tdone'
    cells = [MARKDOWN, IMPORTS, code("model = nn.Linear(4, 3)", "model.register_forward_hook(print)",
                                     "x = torch.randn(2, 4)", line)]
    document = json.loads(notebook(*cells))
    text = json.dumps(document, indent=2, ensure_ascii=True).replace("\n", "\r\n") + "\r\n"
    path = project / "nb.ipynb"
    path.write_bytes(text.encode("ascii"))
    sarif = json.loads(nnlint("check", "--output-format", "sarif", "nb.ipynb").stdout)
    [result] = sarif["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    file_line = text.split("\r\n")[region["startLine"] - 1]
    assert file_line[region["startColumn"] - 1:].startswith("model.forward(x)")
    assert nnlint("check", "--fix", "nb.ipynb").exit_code == 0
    fixed = path.read_bytes().decode("ascii")  # still all ASCII: the escaping was kept
    assert json.loads(fixed)["cells"][2]["source"][3] == line.replace("model.forward(x)", "model(x)")
    changed = [old for old, new in zip(text.split("\r\n"), fixed.split("\r\n")) if old != new]
    assert len(changed) == 1 and "model.forward(x)" in changed[0]


def test_a_cell_saved_as_one_string_is_fixed_as_one_string(project):
    configure(project, 'extend-select = ["NNL604"]\n')  # opt-in; its fix is what is tested
    cell = dict(code(), source="import torch\nout = model.forward(x)\n")
    path = write(project, "nb.ipynb", notebook(cell))
    assert nnlint("check", "--fix", "nb.ipynb").exit_code == 0
    assert json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"] == "import torch\nout = model(x)\n"
