"""SARIF 2.1.0, the format code-scanning services (GitHub, Azure DevOps, IDE viewers) ingest."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any, Optional, Sequence
from urllib.parse import quote

import nnlint
from nnlint.diagnostic import Diagnostic, Fix, Location, Position
from nnlint.project_urls import repository_url
from nnlint.report.fingerprint import line_independent_key
from nnlint.report.paths import path_bytes
from nnlint.report.places import cell_prefix, file_span
from nnlint.rules import all_rules
from nnlint.rules.base import Rule

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
_LEVELS = {"error": "error", "warning": "warning", "note": "note", "info": "note"}


def _level(severity: str) -> str:
    return _LEVELS.get(severity, "warning")


def artifact_location(path: str, cwd: Path) -> dict[str, str]:
    """A URI for `path`: relative to %SRCROOT% (the cwd) when the file is under it.

    Relative URIs let a viewer find the file in its own checkout; a file outside the
    cwd has no such place and gets an absolute file URI.
    """
    # abspath normalises `./` and `..` without resolving symlinks the user chose.
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(cwd)
    except ValueError:
        return {"uri": absolute.as_uri()}
    # Percent-encoding the name's bytes keeps a name that is not UTF-8 exact (`%FF.py`).
    return {"uri": quote(path_bytes(relative.as_posix()), safe="/"), "uriBaseId": SRCROOT}


def _region(start: Position, end: Position) -> Optional[dict[str, int]]:
    if start.line < 1:
        return None
    region = {"startLine": start.line, "startColumn": max(start.column, 1)}
    if end >= start:
        region["endLine"] = end.line
        region["endColumn"] = max(end.column, 1)
    return region


def _physical(path: str, start: Position, end: Position, cwd: Path) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(path, cwd)}
    region = _region(start, end)
    if region is not None:
        physical["region"] = region
    return physical


def _descriptor(rule: type[Rule]) -> dict[str, Any]:
    descriptor = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": f"{rule.summary} {rule.fix_hint}".strip()},
        "help": {"text": f"{rule.summary}\nFix: {rule.fix_hint}", "markdown": rule.documentation()},
        "defaultConfiguration": {"level": _level(rule.severity)},
    }
    # helpUri must be an absolute URI: given only where the package declares one (see
    # nnlint.project_urls); `help` above carries the whole page either way.
    url = rule.url()
    if url:
        descriptor["helpUri"] = url
    return descriptor


def _fix(diagnostic: Diagnostic, fix: Fix, cwd: Path) -> dict[str, Any]:
    # An edit with start == end is an empty region: an insertion point.
    replacements = [
        {"deletedRegion": _region(edit.start, edit.end), "insertedContent": {"text": edit.content}}
        for edit in fix.edits
    ]
    return {
        "description": {"text": fix.message},
        "artifactChanges": [
            {
                "artifactLocation": artifact_location(diagnostic.path, cwd),
                "replacements": replacements,
            }
        ],
    }


def _related(index: int, location: Location, cwd: Path) -> dict[str, Any]:
    related: dict[str, Any] = {
        "id": index,
        "physicalLocation": _physical(location.path, *file_span(location), cwd),
    }
    if location.message:
        related["message"] = {"text": cell_prefix(location) + location.message}
    return related


def sarif_log(diagnostics: Sequence[Diagnostic], cwd: Optional[Path] = None) -> dict[str, Any]:
    """The SARIF log as a dict; `cwd` is the %SRCROOT% relative URIs are resolved against."""
    cwd = Path(os.path.abspath(cwd if cwd is not None else os.getcwd()))
    descriptors = [_descriptor(rule) for rule in all_rules()]
    index_of = {descriptor["id"]: index for index, descriptor in enumerate(descriptors)}
    # A finding whose code is not in the registry (a plugin, a dynamic-only check) still
    # needs a descriptor, or its ruleIndex would point nowhere.
    for diagnostic in diagnostics:
        if diagnostic.code not in index_of:
            index_of[diagnostic.code] = len(descriptors)
            descriptors.append(
                {
                    "id": diagnostic.code,
                    "name": diagnostic.name,
                    "defaultConfiguration": {"level": _level(diagnostic.severity)},
                }
            )

    seen: Counter[str] = Counter()
    results = []
    for diagnostic in diagnostics:
        # A notebook's region is in the .ipynb file's text; the cell is in the message and properties.
        location = _physical(diagnostic.path, *file_span(diagnostic), cwd)
        key = line_independent_key(diagnostic, location["artifactLocation"]["uri"])
        seen[key] += 1
        result: dict[str, Any] = {
            "ruleId": diagnostic.code,
            "ruleIndex": index_of[diagnostic.code],
            "level": _level(diagnostic.severity),
            "message": {"text": cell_prefix(diagnostic) + diagnostic.message},
            "locations": [{"physicalLocation": location}],
            "partialFingerprints": {"primaryLocationLineHash": f"{key}:{seen[key]}"},
        }
        if diagnostic.related:
            result["relatedLocations"] = [
                _related(index, related, cwd) for index, related in enumerate(diagnostic.related)
            ]
        # A notebook fix edits a cell's code, which is no region of the JSON file: not offered here.
        if diagnostic.fix is not None and diagnostic.cell is None \
                and all(_region(edit.start, edit.end) for edit in diagnostic.fix.edits):
            result["fixes"] = [_fix(diagnostic, diagnostic.fix, cwd)]
        properties: dict[str, Any] = {}
        if diagnostic.cell is not None:
            properties.update(nnlintCell=diagnostic.cell.cell, nnlintCellLine=diagnostic.cell.start.line,
                              nnlintCellColumn=diagnostic.cell.start.column)
        if diagnostic.confirmation is not None:
            properties.update(nnlintConfirmation=diagnostic.confirmation.status,
                              nnlintConfirmationDetail=diagnostic.confirmation.detail)
        if properties:
            result["properties"] = properties
        results.append(result)

    root_uri = cwd.as_uri()
    driver: dict[str, Any] = {"name": "nnlint", "version": nnlint.__version__}
    if repository_url():
        driver["informationUri"] = repository_url()
    driver["rules"] = descriptors
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {
                    SRCROOT: {"uri": root_uri if root_uri.endswith("/") else root_uri + "/"}
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render_sarif(diagnostics: Sequence[Diagnostic]) -> str:
    return json.dumps(sarif_log(diagnostics), indent=2) + "\n"
