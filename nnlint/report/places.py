"""Where a finding is, as each kind of reader counts: a notebook's findings are shown by cell.

People and ruff-style JSON read `nb.ipynb:cell 3:2:5` (cell, line in the cell, column);
CI services that annotate the file itself (SARIF, GitHub, GitLab, JUnit) get the line and
column in the `.ipynb` file's own text. A `.py` file's positions are the same for both.
"""

from __future__ import annotations

from typing import Optional, Union

from nnlint.diagnostic import Diagnostic, Edit, Location, Position

Placed = Union[Diagnostic, Location]


def shown_span(item: Placed) -> tuple[Position, Position]:
    """Start and end as `text` and `json` show them: in the cell, for a notebook."""
    return (item.cell.start, item.cell.end) if item.cell is not None else (item.start, item.end)


def file_span(item: Placed) -> tuple[Position, Position]:
    """Start and end in the file's own text (for a notebook: its JSON lines)."""
    cell = item.cell
    if cell is None:
        return item.start, item.end
    if cell.file_start is None or cell.file_end is None:
        return cell.start, cell.end
    return cell.file_start, cell.file_end


def label(item: Placed, path: Optional[str] = None) -> str:
    """`path:line:col`, or `path:cell N:line:col` in a notebook (`path`: the item's own,
    unless another spelling of it is given)."""
    start = shown_span(item)[0]
    cell = f"cell {item.cell.cell}:" if item.cell is not None else ""
    return f"{item.path if path is None else path}:{cell}{start.line}:{start.column}"


def cell_prefix(item: Placed) -> str:
    """`cell 3, line 2: ` before a CI annotation's message (the file position there is a
    line of the notebook's JSON, which says little on its own); empty for a `.py` file."""
    if item.cell is None:
        return ""
    return f"cell {item.cell.cell}, line {item.cell.start.line}: "


def shown_edit(diagnostic: Diagnostic, edit: Edit) -> Edit:
    """A fix's edit in the finding's cell (edits are in the joined code of the notebook)."""
    if diagnostic.cell is None:
        return edit
    shift = diagnostic.start.line - diagnostic.cell.start.line
    return Edit(Position(edit.start.line - shift, edit.start.column),
                Position(edit.end.line - shift, edit.end.column), edit.content)
