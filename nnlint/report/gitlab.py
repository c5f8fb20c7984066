"""GitLab Code Quality (a subset of the Code Climate issue format): the JSON artifact that
`artifacts: reports: codequality` turns into the merge request's Code Quality widget and
into markers on the diff."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Optional, Sequence

from nnlint.diagnostic import Diagnostic
from nnlint.report.fingerprint import line_independent_key, numbered_keys
from nnlint.report.paths import printable_path, project_path
from nnlint.report.places import cell_prefix, file_span

# GitLab's scale is info < minor < major < critical < blocker. An error (code that computes
# a wrong result, or a file nnlint could not read or parse) ranks above a warning.
_SEVERITIES = {"error": "critical", "warning": "major", "note": "minor", "info": "info"}


def code_quality_issues(diagnostics: Sequence[Diagnostic], cwd: Optional[Path] = None) -> list[dict[str, Any]]:
    cwd = Path(os.path.abspath(cwd if cwd is not None else os.getcwd()))
    paths = [project_path(diagnostic.path, cwd) for diagnostic in diagnostics]
    keys = numbered_keys(line_independent_key(d, path) for d, path in zip(diagnostics, paths))
    issues = []
    for diagnostic, path, key in zip(diagnostics, paths, keys):
        start, end = file_span(diagnostic)  # a notebook: lines of its JSON
        begin = max(start.line, 1)
        issues.append(
            {
                "type": "issue",
                "check_name": diagnostic.code,
                "description": f"{diagnostic.code} {cell_prefix(diagnostic)}{diagnostic.message}",
                "categories": ["Bug Risk"],
                "severity": _SEVERITIES.get(diagnostic.severity, "major"),
                # GitLab keeps only the first issue of a fingerprint, so the numbered key
                # (unique in the report) is hashed; it holds no line number.
                "fingerprint": hashlib.sha256(key.encode("utf-8")).hexdigest(),
                "location": {"path": printable_path(path), "lines": {"begin": begin, "end": max(end.line, begin)}},
            }
        )
    return issues


def render_gitlab(diagnostics: Sequence[Diagnostic]) -> str:
    return json.dumps(code_quality_issues(diagnostics), indent=2) + "\n"
