"""The `text` line plus the offending source line, carets under the span, the fix hint
and related locations: what a person reads in a terminal."""

from __future__ import annotations

import unicodedata
from typing import Sequence

from nnlint.diagnostic import Diagnostic, Location
from nnlint.report.places import label
from nnlint.report.text import location_line, single_line
from nnlint.rules import rules_by_code

INDENT = "    "
# Python code is indented in fours; a tab shown as 8 columns would push the carets far
# from what most editors display.
TAB_WIDTH = 4


def _width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    # CJK and other wide characters take two terminal cells.
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _layout(line: str) -> tuple[str, list[int]]:
    """The line as a terminal shows it, and the cell where each character starts.

    Columns in a Diagnostic count characters; carets must count cells, which differ for
    tabs and wide characters. The list has one extra entry: the cell just past the end.
    """
    shown: list[str] = []
    starts: list[int] = []
    cell = 0
    for char in line:
        starts.append(cell)
        if char == "\t":
            width = TAB_WIDTH - cell % TAB_WIDTH
            shown.append(" " * width)
        else:
            width = _width(char)
            shown.append(char)
        cell += width
    starts.append(cell)
    return "".join(shown), starts


def caret_lines(diagnostic: Diagnostic) -> list[str]:
    """The source line and a line of `^` under the finding's span on it."""
    line = diagnostic.source_line.rstrip("\r\n")
    if not line.strip():
        return []
    shown, starts = _layout(line)
    start = min(max(diagnostic.start.column - 1, 0), len(line))
    if diagnostic.end.line == diagnostic.start.line:
        end = min(max(diagnostic.end.column - 1, start), len(line))
    else:
        # The span continues below; underline what is visible of it on this line.
        end = max(len(line.rstrip()), start)
    carets = "^" * max(1, starts[end] - starts[start])
    return [INDENT + shown.rstrip(), INDENT + " " * starts[start] + carets]


def _note(location: Location) -> str:
    where = label(location)
    message = single_line(location.message)
    return f"  = note: {where}: {message}" if message else f"  = note: {where}"


def render_full(diagnostics: Sequence[Diagnostic]) -> str:
    rules = rules_by_code()
    blocks: list[str] = []
    for diagnostic in diagnostics:
        lines = [location_line(diagnostic), *caret_lines(diagnostic)]
        rule = rules.get(diagnostic.code)
        if diagnostic.fix is not None:
            # What `--fix` will do here, rather than the rule's general advice.
            lines.append(f"  = fix [*]: {single_line(diagnostic.fix.message)}")
        elif rule is not None and rule.fix_hint:
            lines.append(f"  = fix: {rule.fix_hint}")
        lines.extend(_note(location) for location in diagnostic.related)
        if diagnostic.confirmation is not None:
            lines.append(f"  = dynamic: {single_line(diagnostic.confirmation.label())}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)
