"""nnlint's findings in the Language Server Protocol's terms.

nnlint counts lines from 1 and columns from 1 in characters (code points); LSP counts both
from 0 and columns in the code units of the negotiated position encoding, UTF-16 unless the
client offers another. On an ASCII line the two agree up to the 1; on `"é😋"` they do not
(😋 is one character but two UTF-16 units), so every column goes through the line's text.

Lines are split where Python's tokenizer (and so libcst) and LSP both split them: at `\\r\\n`,
`\\r` and `\\n` only, not at the form feeds and other separators `str.splitlines` knows.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Optional, Sequence

from lsprotocol import types

from nnlint.diagnostic import Diagnostic, Position
from nnlint.rules import rules_by_code

SOURCE = "nnlint"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

_SEVERITIES = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


def split_lines(text: str) -> list[str]:
    """The lines of `text` without their terminators, numbered as LSP and libcst number them."""
    return _LINE_BREAK.split(text)


def code_units(text: str, encoding: str) -> int:
    """How many units of `encoding` ("utf-8", "utf-16" or "utf-32") `text` takes."""
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def lsp_position(lines: Sequence[str], position: Position, encoding: str) -> types.Position:
    """nnlint's 1-based (line, character column) as an LSP position in `encoding` units."""
    if not lines:
        return types.Position(line=0, character=0)
    row = position.line - 1
    if row < 0:
        return types.Position(line=0, character=0)
    if row >= len(lines):
        # A span ending after the last line ends at the end of the text.
        return types.Position(line=len(lines) - 1, character=code_units(lines[-1], encoding))
    line = lines[row]
    column = min(max(position.column - 1, 0), len(line))
    return types.Position(line=row, character=code_units(line[:column], encoding))


def offset_position(text: str, offset: int, encoding: str) -> types.Position:
    """The LSP position of string index `offset` in `text` (not inside a `\r\n`)."""
    before = split_lines(text[:offset])
    return types.Position(line=len(before) - 1, character=code_units(before[-1], encoding))


def lsp_range(lines: Sequence[str], start: Position, end: Position, encoding: str) -> types.Range:
    return types.Range(start=lsp_position(lines, start, encoding), end=lsp_position(lines, end, encoding))


def lsp_diagnostic(diagnostic: Diagnostic, lines: Sequence[str], uri: str, encoding: str,
                   lines_of: Optional[Callable[[str], Optional[Sequence[str]]]] = None) -> types.Diagnostic:
    """One finding as an LSP diagnostic: code, link to the rule's page, severity, and the
    other places it names (the loss a softmax feeds, the model in another file) as related
    information.

    `lines_of` gives the lines of another file named by a related location, so that its
    columns are converted too; without them they are passed on as counted.
    """
    rule = rules_by_code().get(diagnostic.code)
    related = []
    for location in diagnostic.related:
        if location.path == diagnostic.path:
            target_uri, target_lines = uri, lines
        else:
            target_uri = file_uri(location.path)
            target_lines = (lines_of(location.path) if lines_of else None) or ()
        location_range = (lsp_range(target_lines, location.start, location.end, encoding) if target_lines
                          else _uncounted_range(location.start, location.end))
        related.append(types.DiagnosticRelatedInformation(
            location=types.Location(uri=target_uri, range=location_range),
            message=location.message or diagnostic.message,
        ))
    return types.Diagnostic(
        range=lsp_range(lines, diagnostic.start, diagnostic.end, encoding),
        message=diagnostic.message,
        severity=_SEVERITIES.get(diagnostic.severity, types.DiagnosticSeverity.Warning),
        code=diagnostic.code,
        code_description=types.CodeDescription(href=rule.url()) if rule and rule.url() else None,
        source=SOURCE,
        related_information=related or None,
    )


def _uncounted_range(start: Position, end: Position) -> types.Range:
    return types.Range(start=types.Position(line=max(start.line - 1, 0), character=max(start.column - 1, 0)),
                       end=types.Position(line=max(end.line - 1, 0), character=max(end.column - 1, 0)))


def file_uri(path: str) -> str:
    """The URI of a path as nnlint labels it (relative to the working directory, or absolute)."""
    return Path(path).absolute().as_uri()


def ranges_overlap(first: types.Range, second: types.Range) -> bool:
    """Whether two LSP ranges share a point; a cursor (an empty range) at either end counts."""
    def key(position: types.Position) -> tuple[int, int]:
        return (position.line, position.character)

    return key(first.start) <= key(second.end) and key(second.start) <= key(first.end)
