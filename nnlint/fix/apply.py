"""Apply the edits of several fixes to one text: all of a fix's edits or none, and never
two fixes whose edits overlap (the later one waits for the next pass, as in ruff)."""

from __future__ import annotations

from typing import Optional, Sequence

from nnlint.diagnostic import Edit, Fix
from nnlint.fix.edits import LineTable


def _touches(edit: Edit, taken: Sequence[Edit]) -> bool:
    # Two insertions at one point would depend on the order they were applied in.
    return any(edit.start < other.end and other.start < edit.end or edit.start == other.start for other in taken)


def choose_fixes(fixes: Sequence[Fix]) -> list[Fix]:
    """The fixes, in order, that can be applied together: each one's edits overlap no
    edit of a fix chosen before it."""
    chosen: list[Fix] = []
    taken: list[Edit] = []
    for fix in fixes:
        if any(_touches(edit, taken) for edit in fix.edits):
            continue
        chosen.append(fix)
        taken.extend(fix.edits)
    return chosen


def apply_fixes(text: str, fixes: Sequence[Fix]) -> Optional[str]:
    """`text` with every edit of `fixes` applied (the fixes must not overlap, see
    `choose_fixes`), or None when an edit points outside the text."""
    table = LineTable(text)
    spans: list[tuple[int, int, str]] = []
    for fix in fixes:
        for edit in fix.edits:
            start, end = table.offset(edit.start), table.offset(edit.end)
            if start is None or end is None or end < start:
                return None
            spans.append((start, end, edit.content))
    spans.sort()
    pieces: list[str] = []
    cursor = 0
    for start, end, content in spans:
        if start < cursor:
            return None
        pieces.append(text[cursor:start])
        pieces.append(content)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)
