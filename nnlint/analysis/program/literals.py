"""The value of a literal token, as libcst's `evaluated_value` gives it, without a reference cycle.

libcst's `evaluated_value` calls `ast.literal_eval`, whose nested `_convert` function refers
to itself: every call leaves a cycle (the function, its closure's cells, the helpers it
holds) that only the cycle collector frees. The analysis asks for thousands of literals
per corpus (timm: over 3,000), so these were most of what a file left to the collector
once its values stopped keeping the syntax tree alive (program.values.release).
"""

from __future__ import annotations

import ast
from typing import Union

import libcst as cst

Literal = Union[cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString]


def literal_value(node: Literal) -> Union[int, float, complex, str, bytes]:
    """`node.evaluated_value`: the same value, and the same errors for a literal CPython
    rejects (SyntaxError)."""
    value = node.value
    # Most strings need no compiling: without a prefix and escapes (or with only an `r`
    # prefix), the value is the text between the quotes; a carriage return in it would be
    # read as a newline.
    if type(node) is cst.SimpleString and "\r" not in value:
        raw = 1 if value[:1] in ("r", "R") else 0
        if value[raw:raw + 1] in ("'", '"') and (raw or "\\" not in value):
            quote = 3 if value[raw:raw + 3] in ('"""', "'''") and len(value) >= 6 + raw else 1
            return value[raw + quote:-quote]
    # What literal_eval does first; a token parses to one constant, which it would return.
    body = ast.parse(value.lstrip(" \t"), mode="eval").body
    if type(body) is ast.Constant:
        return body.value
    return ast.literal_eval(body)
