"""A JSON list with ruff's field names, so scripts and tools written for `ruff
--output-format json` read nnlint's findings unchanged."""

from __future__ import annotations

import json
from typing import Any, Optional, Sequence

from nnlint.diagnostic import Diagnostic, Location, Position
from nnlint.report.places import shown_edit, shown_span
from nnlint.rules import rules_by_code


def _position(position: Position) -> dict[str, int]:
    return {"row": position.line, "column": position.column}


def _fix(diagnostic: Diagnostic) -> Optional[dict[str, Any]]:
    fix = diagnostic.fix
    if fix is None:
        return None
    return {
        "message": fix.message,
        "applicability": fix.applicability,
        "edits": [
            {"content": edit.content, "location": _position(edit.start), "end_location": _position(edit.end)}
            for edit in (shown_edit(diagnostic, edit) for edit in fix.edits)
        ],
    }


def _related(location: Location) -> dict[str, Any]:
    start, end = shown_span(location)
    related: dict[str, Any] = {
        "filename": location.path,
        "location": _position(start),
        "end_location": _position(end),
        "message": location.message,
    }
    if location.cell is not None:  # only in notebooks, so that .py output stays as it was
        related["cell"] = location.cell.cell
    return related


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    rules = rules_by_code()
    records = []
    for diagnostic in diagnostics:
        rule = rules.get(diagnostic.code)
        # In a notebook, rows count inside the cell and `cell` says which (as in ruff).
        start, end = shown_span(diagnostic)
        record: dict[str, Any] = {
            "code": diagnostic.code,
            "name": diagnostic.name,
            "message": diagnostic.message,
            "filename": diagnostic.path,
            "location": _position(start),
            "end_location": _position(end),
            "severity": diagnostic.severity,
            "url": rule.url() if rule is not None else None,
            "fix": _fix(diagnostic),
            # ruff reports where a `# noqa` would have to go; ours goes on the first line.
            "noqa_row": start.line,
            # ruff always emits `cell` (1-based; null outside notebooks); readers may index it.
            "cell": diagnostic.cell.cell if diagnostic.cell is not None else None,
            "related": [_related(location) for location in diagnostic.related],
        }
        # Only `check --dynamic` sets it; static output keeps ruff's fields exactly.
        if diagnostic.confirmation is not None:
            record["confirmation"] = {
                "status": diagnostic.confirmation.status,
                "detail": diagnostic.confirmation.detail,
            }
        records.append(record)
    # ASCII escapes keep the output valid whatever encoding the console or file uses.
    return json.dumps(records, indent=2) + "\n"
