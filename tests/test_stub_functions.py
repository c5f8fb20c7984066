"""`is_stub`: which function bodies have no behaviour of their own (abstract methods,
placeholders), the fact NNL403 uses to leave a base class's layers to its subclasses."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from nnlint.analysis.program.syntax import is_stub


def _function(source: str) -> cst.FunctionDef:
    (function,) = cst.parse_module(textwrap.dedent(source)).body
    return function


@pytest.mark.parametrize("body", [
    "    raise NotImplementedError\n",
    "    raise NotImplementedError('subclasses build the head')\n",
    '    """Users should modify this function."""\n    raise NotImplementedError\n',
    "    pass\n",
    "    ...\n",
    "    # nothing to do\n    pass\n",
])
def test_abstract_and_placeholder_bodies_are_stubs(body):
    assert is_stub(_function("def forward(self, x):\n" + body))


def test_a_one_line_stub_is_a_stub():
    assert is_stub(_function("def forward(self, x): ...\n"))


@pytest.mark.parametrize("body", [
    "    return self.fc(x)\n",
    '    """Doc."""\n    return x\n',
    "    raise ValueError('bad input')\n",
    "    if x is None:\n        raise NotImplementedError\n    return x\n",
    "    pass\n    return x\n",
])
def test_bodies_that_compute_or_raise_something_else_are_not(body):
    assert not is_stub(_function("def forward(self, x):\n" + body))
