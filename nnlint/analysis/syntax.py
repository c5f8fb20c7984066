"""Walking libcst trees cheaply.

libcst's `node.children` runs a whole visitor over the node to collect them, and its
generic visitor machinery costs more than everything nnlint's analysis does with the
nodes. Reading the dataclass fields directly, minus the ones that only hold whitespace,
brackets and punctuation, is an order of magnitude faster for the same answer.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Iterator

import libcst as cst

# Fields that hold formatting, punctuation or operator tokens: never code worth walking.
_FORMATTING = frozenset({
    "lpar", "rpar", "lbracket", "rbracket", "lbrace", "rbrace", "comma", "semicolon", "colon",
    "equal", "newline", "header", "footer", "leading_lines", "lines_after_decorators", "operator",
    "dot", "asynchronous", "star", "first_line", "empty_lines", "indent", "encoding",
})


@lru_cache(maxsize=None)
def _code_fields(node_type: type) -> tuple[str, ...]:
    return tuple(
        field.name
        for field in dataclasses.fields(node_type)
        if field.name not in _FORMATTING and not field.name.startswith("whitespace")
    )


def child_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The node's children that hold code (expressions, statements, arguments...), in order."""
    for name in _code_fields(type(node)):
        value = getattr(node, name)
        kind = type(value)
        # Type checks by identity: isinstance against libcst's abstract base classes is the
        # slow part of a walk. A sequence field of a node holds only nodes.
        if kind is tuple or kind is list:
            yield from value
        elif value is not None and kind not in _LEAF_TYPES:
            yield value


_LEAF_TYPES = frozenset({str, int, float, bool, bytes, type(cst.MaybeSentinel.DEFAULT)})
