"""The comments that introduce a statement: those of its paragraph (the comment lines above
it and above the statements before it, back to a blank line), of the paragraphs of the
compound statements around it, and its own line's trailing comment.

Read by the dtype facts (NNL505), which leave alone a model call whose comments say it
fails on purpose (catalogue.names.DELIBERATE_ERROR_COMMENT).
"""

from __future__ import annotations

from typing import Sequence

import libcst as cst

from nnlint.analysis.program.syntax import _with_subclasses, statement_bodies

_COMPOUND_STATEMENTS = _with_subclasses((cst.BaseCompoundStatement,))


def introducing_comments(module: cst.Module) -> dict[int, tuple[str, ...]]:
    """id of every small statement -> the comments that introduce it."""
    found: dict[int, tuple[str, ...]] = {}
    _walk(module.body, (), found)
    return found


def _walk(body: Sequence[cst.CSTNode], inherited: tuple[str, ...], found: dict[int, tuple[str, ...]]) -> None:
    paragraph: list[str] = []
    for statement in body:
        for line in getattr(statement, "leading_lines", ()):
            if line.comment is None:
                paragraph = []  # a blank line ends the paragraph
            else:
                paragraph.append(line.comment.value)
        here = inherited + tuple(paragraph)
        if type(statement) is cst.SimpleStatementLine:  # exact classes: isinstance is slow on libcst's ABCs
            trailing = statement.trailing_whitespace.comment
            mine = here + ((trailing.value,) if trailing is not None else ())
            for small in statement.body:
                found[id(small)] = mine
        elif type(statement) in _COMPOUND_STATEMENTS:
            for inner in statement_bodies(statement):
                _walk(inner, here, found)
