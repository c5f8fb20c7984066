"""The shortcuts taken for speed must give libcst's own answers."""

from __future__ import annotations

import pathlib
import re

import libcst as cst
import pytest

import nnlint
from nnlint.analysis import analyze
from nnlint.analysis.program.syntax import descendants, iter_calls, string_value
from nnlint.lint import lint_source

_PACKAGE = pathlib.Path(nnlint.__file__).parent


def test_classes_compared_by_identity_have_no_subclasses() -> None:
    """`type(node) is cst.X` equals isinstance only while libcst has no subclass of X."""
    compared = set()
    for path in _PACKAGE.rglob("*.py"):
        compared.update(re.findall(r"\bis (?:not )?cst\.(\w+)\b", path.read_text(encoding="utf-8")))
    assert compared, "the identity checks moved; update this test"
    with_subclasses = sorted(name for name in compared if getattr(cst, name).__subclasses__())
    assert with_subclasses == []


@pytest.mark.parametrize("literal", [
    '""', "''", '""""""', "'''a'''", "'''x\n y'''", "''''a'''", '"a\'b"', "'é'",
    "b'abc'", "r'\\d'", "'\\n'", "u'x'", "'tab\\there'", "'''a\\\nb'''",
])
def test_string_value_is_evaluated_value(literal: str) -> None:
    node = cst.parse_expression(literal)
    assert isinstance(node, cst.SimpleString)
    assert string_value(node) == node.evaluated_value


def test_calls_of_a_statement_are_found_again_after_another_file() -> None:
    source = "import torch\ny = torch.log(f(lambda: g(x)) + h(x))\n"
    module = cst.parse_module(source)
    statement = module.body[1].body[0]
    expected = [node for node in descendants(statement, stop=(cst.Lambda,)) if isinstance(node, cst.Call)]
    assert [cst.Module([]).code_for_node(c.func) for c in iter_calls(statement)] == ["torch.log", "f", "h"]
    assert list(iter_calls(statement)) == expected
    analyze(cst.parse_module("import torch\nz = torch.exp(w)\n"), "other.py")
    assert list(iter_calls(statement)) == expected



def test_string_and_bytes_concatenation_is_a_syntax_error_not_a_crash() -> None:
    """libcst's grammar accepts `"a" b"b"` and only its node checks refuse it."""
    found = lint_source(b"import torch\nx = 'a' b'b'\n", "mixed.py", frozenset({"NNL001"}))
    assert [(d.code, d.start.line, d.message) for d in found] == [
        ("NNL001", 2, "syntax error: cannot mix bytes and nonbytes literals")]


_WALK_STOPS = [(), (cst.FunctionDef, cst.ClassDef), (cst.Lambda, cst.FunctionDef, cst.ClassDef), (cst.ClassDef,),
               (cst.BaseCompoundStatement,)]
_WALK_SOURCE = '''
import torch
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(2, f"{3}")
        self.act = (lambda x: g(x, lambda: h()))
    def forward(self, x):
        def inner(y):
            class Local:
                z = [q for q in y if q]
            return Local
        return self.fc(inner(x))[0]
if __name__ == "__main__":
    with open("x") as handle, torch.no_grad():
        print(Net()(torch.ones(2)), *args, **kwargs)
'''


@pytest.mark.parametrize("stop", _WALK_STOPS)
def test_indexed_walks_are_the_stack_walks(stop) -> None:
    """The walks served from the module's index yield what walking the nodes does, from
    every node of the module; nodes of other trees are still walked."""
    from nnlint.analysis.program import syntax

    module = cst.parse_module(_WALK_SOURCE)
    other = cst.parse_module(_WALK_SOURCE)
    stop_types = syntax._with_subclasses(stop)
    every_node = list(syntax._stack_walk(module, frozenset()))
    expected = {id(node): list(syntax._stack_walk(node, stop_types)) for node in every_node}
    syntax.index_walks(module)
    try:
        assert syntax._indexed_tree().order == every_node
        for node in [*every_node, *syntax._stack_walk(other, frozenset())]:
            walked = expected.get(id(node)) or list(syntax._stack_walk(node, stop_types))
            assert list(descendants(node, stop=stop)) == walked
            for types in [(cst.Call,), (cst.Name, cst.Attribute), (cst.BaseExpression,)]:
                wanted = syntax._with_subclasses(types)
                assert syntax.descendants_of_types(node, types, stop) == [n for n in walked if type(n) in wanted]
    finally:
        syntax.forget_walks()
    assert syntax._indexed_tree() is None
