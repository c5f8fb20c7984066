"""Syntax-node replacements to plain text edits, against the exact source of the file.

libcst spans (PositionProvider) leave out what a node owns around it (its parentheses,
a statement's leading comment lines), while `code_for_node` renders all of it. The node's
rendering is therefore located in the source around its span, and only the characters
that differ between it and the replacement's rendering become the edit: an edit touches
as little as possible, so that fixes of neighbouring findings do not overlap.
"""

from __future__ import annotations

import bisect
import re
from typing import Callable, Iterator, Optional, Sequence

import libcst as cst
# Module.code_for_node renders a node as if at the top level; rendering inside a block
# needs the block's indentation, which only the codegen state takes.
from libcst._nodes.internal import CodegenState

from nnlint.diagnostic import Edit, Fix, Position
from nnlint.fix.proposal import Replacement, SyntaxFix

# The line breaks libcst (and Python's tokenizer) count lines by.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# How far up to look for the indentation of the block a node is in.
_LINES_BACK = 200

SpanOf = Callable[[cst.CSTNode], tuple[Position, Position]]


class LineTable:
    """Offsets in a text to 1-based (line, column) positions and back."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0] + [match.end() for match in _LINE_BREAK.finditer(text)]

    def line(self, number: int) -> str:
        """The text of 1-based line `number`, without its line break ("" past the end)."""
        if not 0 < number <= len(self._starts):
            return ""
        end = self._starts[number] if number < len(self._starts) else len(self.text)
        return self.text[self._starts[number - 1]:end].rstrip("\r\n")

    def offset(self, position: Position) -> Optional[int]:
        if not 0 < position.line <= len(self._starts):
            return None
        start = self._starts[position.line - 1]
        line_end = self._starts[position.line] if position.line < len(self._starts) else len(self.text)
        offset = start + position.column - 1
        return offset if start <= offset <= line_end else None

    def position(self, offset: int) -> Position:
        line = bisect.bisect_right(self._starts, offset)
        return Position(line, offset - self._starts[line - 1] + 1)


class EditBuilder:
    """Turns a rule's SyntaxFix into a Fix of one file; built lazily, once per file."""

    def __init__(self, module: cst.Module, span_of: SpanOf, text: Optional[str] = None,
                 enabled: bool = True) -> None:
        # `text` is the source the module was parsed from (libcst reproduces it exactly);
        # given, it saves generating the whole module's code again.
        self._module = module
        self._span_of = span_of
        self._text = text
        self._enabled = enabled
        self._table: Optional[LineTable] = None

    def fix(self, proposal: SyntaxFix) -> Optional[Fix]:
        """The Fix, or None when a node cannot be located in the source (no fix is
        better than a wrong one)."""
        if not self._enabled:
            return None
        edits: list[Edit] = []
        for node, replacement in proposal.replacements:
            edit = self._edit(node, replacement)
            if edit is None:
                return None
            if edit.start != edit.end or edit.content:
                edits.append(edit)
        edits.sort(key=lambda edit: (edit.start, edit.end))
        if not edits or _overlapping(edits):
            return None
        return Fix(proposal.message, tuple(edits), proposal.applicability)

    def _render(self, node: cst.CSTNode, indent: str) -> str:
        state = CodegenState(default_indent=self._module.default_indent,
                             default_newline=self._module.default_newline,
                             indent_tokens=[indent] if indent else [])
        node._codegen(state)
        return "".join(state.tokens)

    def _indents(self, line: int) -> Iterator[str]:
        """Candidate indentations of the block around a node starting on `line`: a node
        spanning lines inside brackets renders its continuation lines relative to the
        block's indentation, which the node alone does not know."""
        assert self._table is not None
        seen = {""}
        yield ""
        for number in range(line, max(0, line - _LINES_BACK), -1):
            text = self._table.line(number)
            indent = text[: len(text) - len(text.lstrip(" \t"))]
            if indent not in seen:
                seen.add(indent)
                yield indent

    def _edit(self, node: cst.CSTNode, replacement: Replacement) -> Optional[Edit]:
        if self._table is None:
            self._table = LineTable(self._text if self._text is not None else self._module.code)
        table = self._table
        start, end = self._span_of(node)
        span_start, span_end = table.offset(start), table.offset(end)
        if span_start is None or span_end is None or span_end < span_start:
            return None
        span_text = table.text[span_start:span_end]
        for indent in self._indents(start.line):
            old = self._render(node, indent)
            begin = _rendering_start(table.text, old, span_start, span_text)
            if begin is not None:
                break
        else:
            return None
        new = replacement if isinstance(replacement, str) else self._render(replacement, indent)
        prefix = _common_prefix(old, new)
        suffix = _common_suffix(old[prefix:], new[prefix:])
        return Edit(
            table.position(begin + prefix),
            table.position(begin + len(old) - suffix),
            new[prefix:len(new) - suffix],
        )


def _rendering_start(text: str, rendered: str, span_start: int, span_text: str) -> Optional[int]:
    """Where `rendered` (a node's full code) begins in `text`, given where its span begins."""
    index = rendered.find(span_text)
    while index != -1:
        begin = span_start - index
        if begin >= 0 and text.startswith(rendered, begin):
            return begin
        index = rendered.find(span_text, index + 1)
    return None


def _common_prefix(a: str, b: str) -> int:
    limit = min(len(a), len(b))
    count = 0
    while count < limit and a[count] == b[count]:
        count += 1
    return count


def _common_suffix(a: str, b: str) -> int:
    limit = min(len(a), len(b))
    count = 0
    while count < limit and a[len(a) - 1 - count] == b[len(b) - 1 - count]:
        count += 1
    return count


def _overlapping(edits: Sequence[Edit]) -> bool:
    return any(later.start < earlier.end for earlier, later in zip(edits, edits[1:]))
