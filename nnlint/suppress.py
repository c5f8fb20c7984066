"""`# noqa` and `# nnlint: ignore[...]` comments: which codes each line silences."""

from __future__ import annotations

import re
from typing import Iterable, Optional

from nnlint.diagnostic import Diagnostic

_NOQA = re.compile(r"#\s*noqa(?P<colon>\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_NNLINT_IGNORE = re.compile(r"#\s*nnlint\s*:\s*ignore\[(?P<codes>[^\]]*)\]")
_CODE = re.compile(r"[A-Z]+[0-9]+")

ALL_CODES = None  # a bare `# noqa` silences every code on its line


def silenced_codes(line: str) -> Optional[set[str]] | None:
    """The codes silenced on `line`: an empty set for none, ALL_CODES (None) for all."""
    if "#" not in line:
        return set()
    codes: set[str] = set()
    for match in _NOQA.finditer(line):
        if not match.group("codes"):
            return ALL_CODES
        codes.update(_CODE.findall(match.group("codes").upper()))
    for match in _NNLINT_IGNORE.finditer(line):
        codes.update(_CODE.findall(match.group("codes").upper()))
    return codes


def drop_suppressed(diagnostics: Iterable[Diagnostic], lines: list[str]) -> list[Diagnostic]:
    """The diagnostics not silenced by a comment on their first line."""
    kept = []
    cache: dict[int, Optional[set[str]]] = {}
    for diagnostic in diagnostics:
        row = diagnostic.start.line
        if row not in cache:
            cache[row] = silenced_codes(lines[row - 1]) if 0 < row <= len(lines) else set()
        silenced = cache[row]
        if silenced is ALL_CODES or diagnostic.code in silenced:
            continue
        kept.append(diagnostic)
    return kept
