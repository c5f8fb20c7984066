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
class CellSpan:
    """Where a span of a Jupyter notebook is, as its user sees it.

    `cell` counts every cell from 1, markdown included (as Jupyter and VS Code number
    them); `start`/`end` are the line and column inside that cell. `file_start`/`file_end`
    are the same span in the `.ipynb` file's own text (for CI services that annotate the
    file), when known. The Diagnostic's own positions stay those of the joined code.
    """

    cell: int
    start: Position
    end: Position
    file_start: Optional[Position] = None
    file_end: Optional[Position] = None


@dataclass(frozen=True)
class Location:
    """A span in a file, e.g. the loss call a finding refers to."""

    path: str
    start: Position
    end: Position
    message: str = ""
    cell: Optional[CellSpan] = None


@dataclass(frozen=True)
class Edit:
    """Replace the text from `start` up to (not including) `end` with `content`.

    Positions count like a Diagnostic's span (1-based line, 1-based column in characters);
    `start == end` inserts. An edit has no path: it applies to the file of the Diagnostic
    that carries it.
    """

    start: Position
    end: Position
    content: str


# A safe fix keeps the program's meaning (applied by `--fix`); an unsafe one may change
# behaviour a caller relies on (applied only with `--unsafe-fixes`).
SAFE, UNSAFE = "safe", "unsafe"


@dataclass(frozen=True)
class Fix:
    """How to fix one finding: edits to its file, applied all together or not at all.

    Plain data (no syntax nodes), so that it can be cached and sent between processes.
    The edits are sorted and do not overlap.
    """

    message: str
    edits: tuple[Edit, ...]
    applicability: str = UNSAFE

    @property
    def is_safe(self) -> bool:
        return self.applicability == SAFE


@dataclass(frozen=True)
class Confirmation:
    """What dynamic mode found when it ran the code a static finding is about.

    `status` is "confirmed", "not-confirmed" or "not-checked"; `detail` says what was
    observed, or why nothing could be (e.g. the constructor needs arguments).
    """

    status: str
    detail: str

    def label(self) -> str:
        """`confirmed: rows sum to 1.0`, as text reports show it."""
        return f"{self.status.replace('-', ' ')}: {self.detail}"


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
    # Set only by `check --dynamic`; static runs leave it None and print nothing for it.
    confirmation: Optional[Confirmation] = None
    # Set for a finding in a notebook: its cell, and its place in the cell and in the file.
    cell: Optional[CellSpan] = None

    def sort_key(self) -> tuple:
        return (self.path, self.start, self.code, self.message)
