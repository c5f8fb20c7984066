"""Reading a call's arguments, as the interpreter evaluated them or as written.

Evaluated arguments are `(keyword or None, values, starred)` triples in call order. What
a `*args` or `**kwargs` passes cannot be told: the evaluated readers answer "unknown" (())
from there on, and `passes_argument` answers "maybe passed" (True).
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from nnlint.analysis.program.values import ValueSet

Arguments = list[tuple[Optional[str], ValueSet, bool]]


def argument_values(args: Arguments, position: int, keyword: str) -> ValueSet:
    """The values passed at `position` or as `keyword=`; () when absent or unknowable."""
    index = 0
    for name, values, starred in args:
        if starred:
            return ()
        if name is None:
            if index == position:
                return values
            index += 1
        elif name == keyword:
            return values
    return ()


def first_argument_values(args: Arguments) -> ValueSet:
    """The values of the first argument when it is passed positionally, else ()."""
    for name, values, starred in args:
        if name is None and not starred:
            return values
        return ()
    return ()


def first_argument_node(node: cst.Call) -> cst.BaseExpression:
    """The first argument as written, or the call itself when it has none."""
    return node.args[0].value if node.args else node


def passes_argument(node: cst.Call, position: int, keyword: str) -> bool:
    """Whether the call passes `position` or `keyword=`, counting a `*args` as maybe."""
    positional = [arg for arg in node.args if arg.keyword is None]
    if any(arg.star for arg in node.args):
        return True
    return len(positional) > position or any(arg.keyword and arg.keyword.value == keyword for arg in node.args)


def literal_dim(node: cst.CSTNode, position: int) -> object:
    """The literal `dim` of a softmax call or constructor: an int, None if absent, "?" if not literal."""
    if type(node) is not cst.Call:
        return "?"
    positional = [arg for arg in node.args if arg.keyword is None]
    chosen = next((arg.value for arg in node.args if arg.keyword and arg.keyword.value == "dim"), None)
    if chosen is None and len(positional) > position:
        chosen = positional[position].value
    if chosen is None:
        return None
    if type(chosen) is cst.Integer:
        return int(chosen.value)
    if type(chosen) is cst.UnaryOperation and type(chosen.operator) is cst.Minus \
            and type(chosen.expression) is cst.Integer:
        return -int(chosen.expression.value)
    return "?"
