"""Line and column of libcst nodes, the same as libcst's PositionProvider, at a fraction of its cost.

PositionProvider runs a metadata visitor over the whole tree and then a code generation
that builds two position objects and a range object per node, splitting every token with a
regular expression: about three times the cost of parsing the file. nnlint only needs
positions for the few nodes it reports. This module does one plain code generation that
only adds up token lengths and keeps each node's start and end offset; offsets become
lines and columns through the source's line starts. libcst regenerates its input exactly,
so an offset into the generated code is an offset into the source.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Iterator, Optional, Sequence

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import MetadataWrapper, PositionProvider

from nnlint.parse_blocks import NON_PYTHON_LINE_BREAKS

# PositionProvider's own definition of a line break.
_NEWLINE = re.compile(r"\r\n?|\n")

Offsets = dict[cst.CSTNode, tuple[int, int]]


@dataclass
class _OffsetCodegenState(CodegenState):
    """Generates no text: counts characters and notes where each node starts and ends.

    Mirrors PositionProvidingCodegenState: a node's syntactic range (set by the node
    itself while it generates, possibly from a child's start or end) wins over the range
    of everything it generated, whitespace included.
    """

    offset: int = 0
    _last_token_length: int = 0
    ranges: Offsets = field(default_factory=dict)
    _starts: list[int] = field(default_factory=list)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.offset += len(token)

    def add_token(self, value: str) -> None:
        self.offset += len(value)
        # Module's codegen asks whether any token was generated at all; one is enough.
        if not self.tokens:
            self.tokens.append(value)
        self._last_token_length = len(value)

    def pop_trailing_newline(self) -> None:
        # Called once, at the end of the module: the text has no final newline.
        self.offset -= self._last_token_length

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._starts.append(self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._starts.pop()
        if node not in self.ranges:
            self.ranges[node] = (start, self.offset)

    def record_syntactic_position(self, node: cst.CSTNode, *, start_node: Optional[cst.CSTNode] = None,
                                  end_node: Optional[cst.CSTNode] = None) -> "_SyntacticRange":
        return _SyntacticRange(self, node, start_node, end_node)


class _SyntacticRange:
    """The context manager record_syntactic_position returns, without contextlib's generator cost."""

    __slots__ = ("_state", "_node", "_start_node", "_end_node", "_start")

    def __init__(self, state: _OffsetCodegenState, node: cst.CSTNode, start_node: Optional[cst.CSTNode],
                 end_node: Optional[cst.CSTNode]) -> None:
        self._state, self._node, self._start_node, self._end_node = state, node, start_node, end_node
        self._start = state.offset

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        ranges = self._state.ranges
        start = ranges[self._start_node][0] if self._start_node is not None else self._start
        end = ranges[self._end_node][1] if self._end_node is not None else self._state.offset
        ranges[self._node] = (start, end)


def line_starts(text: str) -> list[int]:
    """The offset of each line's first character."""
    if any(character in text for character in NON_PYTHON_LINE_BREAKS):
        return [0] + [match.end() for match in _NEWLINE.finditer(text)]
    # Then str.splitlines ends lines where _NEWLINE does: each line starts where the lines
    # before it end, added up in C (a third of the cost of the loop over the matches).
    starts = list(accumulate(map(len, text.splitlines(True)), initial=0))
    if text and text[-1] not in "\r\n":
        starts.pop()  # the end of a last line without a line break starts no line
    return starts


def line_column(starts: list[int], offset: int) -> tuple[int, int]:
    """1-based line and 0-based column of an offset, given the text's `line_starts`."""
    line = bisect.bisect_right(starts, offset)
    return line, offset - starts[line - 1]


def unique_text_range(module: cst.Module, node: cst.CSTNode, text: str) -> Optional[tuple[int, int]]:
    """The offsets of an expression whose text stands exactly once in `text` (the source
    `module` was parsed from), found by a search instead of generating the whole module;
    None otherwise (then only a code generation can tell).

    A node's text occurs in the source where the node is, so a text that occurs once can only
    be there. (Which of several occurrences is the node's cannot be read off the walks' node
    order: that is not always the text's.) Only for expressions without parentheses: a
    parenthesized node's position excludes its parentheses, and a starred element's text
    includes its comma. Generated on its own, a node spanning lines lacks the indentation of
    its block after each line break: there the search allows any indentation.
    """
    if not isinstance(node, cst.BaseExpression) or type(node) is cst.StarredElement or getattr(node, "lpar", ()):
        return None
    code = module.code_for_node(node)
    if not code:
        return None
    if "\n" not in code and "\r" not in code:
        start = text.find(code)
        if start < 0 or text.find(code, start + 1) >= 0:
            return None
        return start, start + len(code)
    pattern = re.compile(r"(?:\r\n?|\n)[ \t]*".join(re.escape(line) for line in _NEWLINE.split(code)))
    matches = pattern.finditer(text)
    first = next(matches, None)
    if first is None or next(matches, None) is not None:
        return None
    return first.span()


class StatementOffsets:
    """The offsets of the nodes of one statement around a node, from generating that statement
    alone: the innermost statement of a block (or of the module) whose code, with as many of
    its neighbours in the block as it takes, stands exactly once in the source.

    A statement of a block generates the same tokens wherever it is generated, given the
    indentation of the blocks around it (only an `elif`, or a small statement, takes its
    parent's word on how to generate itself; neither is tried), and a block's statements are
    generated one after the other. So the nodes' offsets are those of the whole module's
    generation shifted by where the statement's code is, and a run of statements whose code
    occurs once in the source can only be where they are. `ranges` is None when no statement
    qualifies (then only the whole module's generation can tell).
    """

    def __init__(self, module: cst.Module, chain: Sequence[cst.CSTNode], text: str) -> None:
        """`chain`: the nodes from the module down to the node to place; `text`: the source
        the module was parsed from."""
        self.ranges: Optional[Offsets] = None
        self._module, self._text = module, text
        candidates: list[tuple[Sequence[cst.CSTNode], cst.CSTNode, list[str]]] = []
        indents: list[str] = []
        for parent, child in zip(chain, chain[1:]):
            kind = type(parent)
            if kind is cst.IndentedBlock:
                indents = [*indents, module.default_indent if parent.indent is None else parent.indent]
            elif kind is not cst.Module:
                continue
            # The child of a module or a block that walks reach is one of its statements.
            candidates.append((parent.body, child, indents))
        for body, statement, statement_indents in reversed(candidates):
            start = self._start(body, statement, statement_indents)
            if start is None:
                continue
            if start < 0:
                return  # not the text the module was parsed from, or its open end
            offsets = _OffsetCodegenState(default_indent=module.default_indent,
                                          default_newline=module.default_newline,
                                          indent_tokens=list(statement_indents), offset=start)
            statement._codegen(offsets)
            self.ranges = offsets.ranges
            return

    def _code(self, statement: cst.CSTNode, indents: list[str]) -> str:
        state = CodegenState(default_indent=self._module.default_indent,
                             default_newline=self._module.default_newline, indent_tokens=list(indents))
        statement._codegen(state)
        return "".join(state.tokens)

    def _start(self, body: Sequence[cst.CSTNode], statement: cst.CSTNode, indents: list[str]) -> Optional[int]:
        """Where `statement` starts in the text, found with the fewest neighbours in `body`
        that make the search unambiguous; None when even the whole body is ambiguous, -1
        when the statement's code is not in the text at all, or may hold its end in a file
        without a final newline."""
        text = self._text
        open_end = not self._module.has_trailing_newline
        at = next(index for index, item in enumerate(body) if item is statement)
        first = last = at
        before = ""  # the code of body[first:at]
        code = self._code(statement, indents)
        while True:
            # Without a final newline, the module's generation drops the last token (a line
            # break) of the statement that ends the file: its code is not where it is.
            if open_end and (text.endswith(code[:-1]) or text.endswith(code[:-2])):
                return -1
            found = text.find(code)
            if found < 0:
                return -1
            if text.find(code, found + 1) < 0:
                return found + len(before)
            if last + 1 < len(body):
                last += 1
                code += self._code(body[last], indents)
            elif first > 0:
                first -= 1
                neighbour = self._code(body[first], indents)
                before = neighbour + before
                code = neighbour + code
            else:
                return None


class NodePositions:
    """Where each node of one module is: 1-based line, 0-based column (PositionProvider's
    convention), start and end."""

    def __init__(self, module: cst.Module, text: str) -> None:
        state = _OffsetCodegenState(default_indent=module.default_indent, default_newline=module.default_newline)
        module._codegen(state)
        if state.offset == len(text):
            self._ranges: Optional[Offsets] = state.ranges
            self._line_starts = line_starts(text)
            self._length = len(text)
            self._fallback: dict[cst.CSTNode, tuple[tuple[int, int], tuple[int, int]]] = {}
        else:
            # Not the text this module was parsed from: let libcst compute positions itself.
            self._ranges = None
            wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
            self._fallback = {node: ((r.start.line, r.start.column), (r.end.line, r.end.column))
                              for node, r in wrapper.resolve(PositionProvider).items()}

    def _line_column(self, offset: int) -> tuple[int, int]:
        if offset > self._length:
            # Past the end: the final newline libcst generates for a file that has none.
            return len(self._line_starts) + 1, 0
        return line_column(self._line_starts, offset)

    def get(self, node: cst.CSTNode) -> Optional[tuple[tuple[int, int], tuple[int, int]]]:
        """((line, column), (line, column)) of the node's start and end; None for a node
        that is not part of the module."""
        if self._ranges is None:
            return self._fallback.get(node)
        found = self._ranges.get(node)
        if found is None:
            return None
        return self._line_column(found[0]), self._line_column(found[1])

    def nodes(self) -> Iterator[cst.CSTNode]:
        return iter(self._ranges if self._ranges is not None else self._fallback)
