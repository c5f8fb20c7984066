"""GitHub Actions workflow commands, which the runner turns into annotations on the
pull request's diff."""

from __future__ import annotations

from typing import Sequence

from nnlint.diagnostic import Diagnostic

_COMMANDS = {"error": "error", "warning": "warning"}


def escape_data(text: str) -> str:
    # `%` first, or the escapes just produced would be escaped again.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    # `,` separates properties and `::` ends them, so both must be hidden in values.
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(diagnostic: Diagnostic) -> str:
    command = _COMMANDS.get(diagnostic.severity, "notice")
    properties = {
        "file": diagnostic.path,
        "line": diagnostic.start.line,
        "col": diagnostic.start.column,
        "endLine": diagnostic.end.line,
        "endColumn": diagnostic.end.column,
        "title": f"{diagnostic.code} ({diagnostic.name})",
    }
    joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{command} {joined}::{escape_data(diagnostic.message)}"


def render_github(diagnostics: Sequence[Diagnostic]) -> str:
    return "".join(annotation(diagnostic) + "\n" for diagnostic in diagnostics)
