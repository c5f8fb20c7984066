"""The one type every stage after the rules speaks: a finding at a place in a file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True, order=True)
class Position:
    """A point in a file: 1-based line, 1-based column (as ruff and editors count)."""

    line: int
    column: int


@dataclass(frozen=True)
class Location:
    """A span in a file, e.g. the loss call a finding refers to."""

    path: str
    start: Position
    end: Position
    message: str = ""


@dataclass(frozen=True)
class Fix:
    """A replacement of the finding's span; `applicability` is "safe" or "unsafe"."""

    message: str
    replacement: str
    applicability: str = "unsafe"


@dataclass(frozen=True)
class Diagnostic:
    """One finding. `path` is as the user named it (relative paths stay relative).

    `source_line` is the text of the first line of the span: the `full` format shows it
    and SARIF fingerprints hash it, so that a finding keeps its identity when unrelated
    lines above it move.
    """

    code: str
    name: str
    message: str
    path: str
    start: Position
    end: Position
    severity: str = "warning"
    source_line: str = ""
    fix: Optional[Fix] = None
    related: tuple[Location, ...] = field(default_factory=tuple)

    def sort_key(self) -> tuple:
        return (self.path, self.start, self.code, self.message)
