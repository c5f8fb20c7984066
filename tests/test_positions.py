"""nnlint's own position computation must agree with libcst's PositionProvider on every node:
a finding's line and column are what users click on."""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from nnlint.lint import lint_source
from nnlint.analysis.program.syntax import PreorderTree
from nnlint.positions import NodePositions, StatementOffsets, line_column, line_starts, unique_text_range

_SOURCES = {
    "plain": (
        "import torch\n"
        "import torch.nn as nn\n\n\n"
        "@torch.no_grad()\n"
        "def evaluate(model, x):  # comment\n"
        "    y = (model(x)\n"
        "         .softmax(dim=-1))\n"
        "    return [v for v in y if v > 0], {'k': (1, 2)}\n"
    ),
    "crlf line ends": "import torch\r\nx = torch.ones(3)\r\nif x:\r\n    y = torch.log(x)\r\n",
    "old mac line ends": "import torch\rx = torch.ones(3)\r",
    "no final newline": "import torch\nloss = torch.log(torch.sigmoid(x))",
    "tabs and unicode": "import torch\nclass Net(torch.nn.Module):\n\tdef forward(self, données):\n\t\treturn 'é' + données  # ü\n",
    "continuation lines": "import torch\nz = 1 + \\\n    2\nw = '''a\nb''' ; v = torch.exp(z)\n",
    "nested multi-line calls": (
        "import torch.nn as nn\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        if True:\n"
        "            self.conv = nn.Conv2d(\n"
        "                3,\n"
        "                  8,  # odd indent\n"
        "                kernel_size=3)\n"
        "        self.head = nn.Sequential(nn.Linear(8, 8), nn.ReLU(),\n"
        "\tnn.Linear(8, 2))\n"
        "    def forward(self, x):\n"
        "        return (self.head(x)).softmax(-1) + self.head(x)\n"
    ),
    "crlf multi-line call": "import torch\r\ny = torch.cat(\r\n    [a,\r\n     b], dim=1)\r\n",
    "empty": "",
    "only comments": "# torch\n\n# more\n",
}
# Code whose calls' texts occur more than once: the text search cannot place them.
_REPEATED_SOURCES = {
    "duplicated statements": (
        "import torch.nn as nn\n"
        "class A(nn.Module):\n"
        "    def forward(self, x):\n"
        "        x = self.norm(x)\n"
        "        x = self.norm(x)\n"
        "        return x\n"
        "class B(nn.Module):\n"
        "    # the same forward\n"
        "    def forward(self, x):\n"
        "        x = self.norm(x)\n"
        "        x = self.norm(x)\n"
        "        return x\n"
        "    @property\n"
        "    def size(self):\n"
        "        if self.a:\n"
        "            return f(x)\n"
        "        elif self.b:\n"
        "            return f(x)\n"
        "        else:\n"
        "            return f(x)\n"
    ),
    "duplicated, no final newline": "def f():\n    return g(x)\ndef h():\n    return g(x)\nwhile x:\n    return g(x)",
}


def _libcst_positions(module: cst.Module) -> dict[cst.CSTNode, tuple[tuple[int, int], tuple[int, int]]]:
    resolved = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return {node: ((r.start.line, r.start.column), (r.end.line, r.end.column)) for node, r in resolved.items()}


@pytest.mark.parametrize("source", [*_SOURCES.values(), *_REPEATED_SOURCES.values()],
                         ids=[*_SOURCES, *_REPEATED_SOURCES])
def test_every_node_has_libcsts_position(source: str) -> None:
    module = cst.parse_module(source)
    expected = _libcst_positions(module)
    positions = NodePositions(module, source)
    for node, where in expected.items():
        if node is not module:  # the module's own end differs after a missing final newline; never reported
            assert positions.get(node) == where, type(node).__name__


@pytest.mark.parametrize("source", _SOURCES.values(), ids=list(_SOURCES))
def test_a_text_found_once_is_the_nodes_position(source: str) -> None:
    # The summary places other files' findings by searching for a node's text: wherever the
    # search answers, it must be libcst's position; it answers for most calls.
    module = cst.parse_module(source)
    expected = _libcst_positions(module)
    starts = line_starts(source)
    answered = 0
    for node, where in expected.items():
        found = unique_text_range(module, node, source)
        if found is not None:
            answered += 1
            assert (line_column(starts, found[0]), line_column(starts, found[1])) == where, module.code_for_node(node)
    calls = [node for node in expected if isinstance(node, cst.Call)]
    assert answered >= len(calls) // 2


@pytest.mark.parametrize("source", [*_SOURCES.values(), *_REPEATED_SOURCES.values()],
                         ids=[*_SOURCES, *_REPEATED_SOURCES])
def test_a_statement_generated_alone_gives_its_nodes_libcsts_positions(source: str) -> None:
    # Reported nodes whose own text is ambiguous are placed by generating the statement
    # around them: wherever that answers, it must be libcst's position for every node there.
    module = cst.parse_module(source)
    expected = _libcst_positions(module)
    tree = PreorderTree(module)
    starts = line_starts(source)
    answered = 0
    for node in tree.order:
        offsets = StatementOffsets(module, tree.ancestors(node), source).ranges
        if offsets is None:
            continue
        answered += 1
        assert node in offsets
        for placed, (start, end) in offsets.items():
            assert (line_column(starts, start), line_column(starts, end)) == expected[placed], type(placed).__name__
    assert answered or not module.body


def test_a_text_found_twice_or_in_parentheses_is_not_placed_by_search() -> None:
    source = "y = f(x)\nz = f(x)\nw = (g(x))\n"
    module = cst.parse_module(source)
    calls = [s.body[0].value for s in module.body]
    assert unique_text_range(module, calls[0], source) is None
    assert unique_text_range(module, calls[1], source) is None
    assert unique_text_range(module, calls[2], source) is None  # its position excludes the parentheses
    assert unique_text_range(module, calls[2].func, source) == (source.index("g"), source.index("g") + 1)


def test_a_node_of_another_tree_has_no_position() -> None:
    module = cst.parse_module("x = 1\n")
    assert NodePositions(module, "x = 1\n").get(cst.Name("x")) is None


def test_finding_columns_on_crlf_file_point_at_the_call() -> None:
    source = b"import torch\r\nimport torch.nn as nn\r\nx = torch.ones(3)\r\n\r\ny = torch.log(torch.softmax(x, dim=0))\r\ny.sum().backward()\r\n"
    found = lint_source(source, "crlf.py", frozenset({"NNL201"}))
    assert [(d.code, d.start.line, d.start.column) for d in found] == [("NNL201", 5, 5)]
