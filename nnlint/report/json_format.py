"""A JSON list with ruff's field names, so scripts and tools written for `ruff
--output-format json` read nnlint's findings unchanged."""

from __future__ import annotations

import json
from typing import Any, Optional, Sequence

from nnlint.diagnostic import Diagnostic, Fix, Location, Position
from nnlint.rules import rules_by_code


def _position(position: Position) -> dict[str, int]:
    return {"row": position.line, "column": position.column}


def _fix(fix: Optional[Fix]) -> Optional[dict[str, Any]]:
    if fix is None:
        return None
    return {
        "message": fix.message,
        "applicability": fix.applicability,
        "edits": [
            {"content": edit.content, "location": _position(edit.start), "end_location": _position(edit.end)}
            for edit in fix.edits
        ],
    }


def _related(location: Location) -> dict[str, Any]:
    return {
        "filename": location.path,
        "location": _position(location.start),
        "end_location": _position(location.end),
        "message": location.message,
    }


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    rules = rules_by_code()
    records = []
    for diagnostic in diagnostics:
        rule = rules.get(diagnostic.code)
        record: dict[str, Any] = {
            "code": diagnostic.code,
            "name": diagnostic.name,
            "message": diagnostic.message,
            "filename": diagnostic.path,
            "location": _position(diagnostic.start),
            "end_location": _position(diagnostic.end),
            "severity": diagnostic.severity,
            "url": rule.url() if rule is not None else None,
            "fix": _fix(diagnostic.fix),
            # ruff reports where a `# noqa` would have to go; ours goes on the first line.
            "noqa_row": diagnostic.start.line,
            # ruff always emits `cell` (notebooks); readers may index it unconditionally.
            "cell": None,
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
