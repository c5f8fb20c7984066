"""GitHub Actions workflow commands, which the runner turns into annotations on the
pull request's diff."""

from __future__ import annotations

from typing import Sequence

from nnlint.diagnostic import Diagnostic
from nnlint.report.places import cell_prefix, file_span

_COMMANDS = {"error": "error", "warning": "warning"}


def escape_data(text: str) -> str:
    # `%` first, or the escapes just produced would be escaped again.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    # `,` separates properties and `::` ends them, so both must be hidden in values.
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(diagnostic: Diagnostic) -> str:
    command = _COMMANDS.get(diagnostic.severity, "notice")
    # A notebook is annotated at the line of its JSON that holds the code; the message names the cell.
    start, end = file_span(diagnostic)
    properties = {
        "file": diagnostic.path,
        "line": start.line,
        "col": start.column,
        "endLine": end.line,
        "endColumn": end.column,
        "title": f"{diagnostic.code} ({diagnostic.name})",
    }
    joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{command} {joined}::{escape_data(cell_prefix(diagnostic) + diagnostic.message)}"


def render_github(diagnostics: Sequence[Diagnostic]) -> str:
    return "".join(annotation(diagnostic) + "\n" for diagnostic in diagnostics)
