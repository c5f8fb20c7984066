"""Hover: the documentation of the rule behind each finding under the cursor, the page
`nnlint rule CODE` prints (docs/rules/CODE.md), so the reason and the fix are one hover away."""

from __future__ import annotations

from typing import Optional, Sequence

from lsprotocol import types

from nnlint.diagnostic import Diagnostic
from nnlint.rules import rules_by_code


def _key(position: types.Position) -> tuple[int, int]:
    return (position.line, position.character)


def under_cursor(published: types.Range, cursor: types.Position) -> bool:
    """Whether the character at `cursor` lies in `published` (its end is exclusive; an empty
    range, a finding at a point, is hovered at that point)."""
    start, end, at = _key(published.start), _key(published.end), _key(cursor)
    return start <= at < end or start == end == at


def hover(findings: Sequence[tuple[Diagnostic, types.Diagnostic]], cursor: types.Position) -> Optional[types.Hover]:
    """The rule pages of the findings under `cursor` (each rule once), None where there is none."""
    pages: list[str] = []
    ranges: list[types.Range] = []
    for finding, published in findings:
        rule = rules_by_code().get(finding.code)
        if rule is None or not under_cursor(published.range, cursor):
            continue
        page = rule.documentation()
        if page not in pages:
            pages.append(page)
            ranges.append(published.range)
    if not pages:
        return None
    # One finding: its range, so the editor keeps the hover while the pointer stays on it.
    hovered = ranges[0] if len(ranges) == 1 else None
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n---\n\n".join(pages)),
                       range=hovered)
