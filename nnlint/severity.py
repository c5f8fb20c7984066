"""Severities: each rule's default (`Rule.severity`), the `severity` table that changes them
per code or prefix, and the `fail-on` threshold that decides which findings fail the run.

`error` means the code computes a wrong result; `warning` that it is likely wrong, wasteful or
fragile. Reporters read `Diagnostic.severity`, so an override is applied once, to the
findings, before anything is rendered.
"""

from __future__ import annotations

import dataclasses
from typing import Mapping, Sequence

from nnlint.diagnostic import Diagnostic
from nnlint.selection import ALL, UnknownSelectorError, codes_matching

ERROR, WARNING = "error", "warning"
SEVERITIES = (ERROR, WARNING)
# `fail-on`: the lowest severity that makes the exit status 1.
FAIL_ON_DEFAULT = WARNING
_RANK = {WARNING: 1, ERROR: 2}


class SeverityError(ValueError):
    """A severity setting that cannot be used; the caller adds where it was written."""


def check_level(value: object, what: str) -> str:
    """`value` if it is a severity name, else a SeverityError naming `what`."""
    if not isinstance(value, str) or value.lower() not in SEVERITIES:
        kinds = {bool: "a boolean", int: "an integer", float: "a number", list: "a list", dict: "a table"}
        shown = repr(value) if isinstance(value, str) else kinds.get(type(value), type(value).__name__)
        raise SeverityError(f"{what} must be \"error\" or \"warning\", not {shown}")
    return value.lower()


def resolve_overrides(table: Mapping[str, str]) -> dict[str, str]:
    """Code -> severity for a `{selector: severity}` table. A more specific selector wins
    (`NNL1 = "error"` with `NNL107 = "warning"` leaves NNL107 a warning)."""
    resolved: dict[str, str] = {}
    ordered = sorted(table.items(), key=lambda item: 0 if item[0] == ALL else len(item[0]))
    for selector, level in ordered:
        try:
            codes = codes_matching(selector)
        except UnknownSelectorError as error:
            raise SeverityError(str(error)) from None
        for code in codes:
            resolved[code] = check_level(level, f"the severity of {selector}")
    return resolved


def parse_assignments(values: Sequence[str]) -> dict[str, str]:
    """`--severity NNL107=error,NNL6=warning` (repeatable) as a `{selector: severity}` table."""
    table: dict[str, str] = {}
    for value in values:
        for part in value.split(","):
            if not part.strip():
                continue
            selector, equals, level = part.partition("=")
            if not equals or not selector.strip():
                raise SeverityError(f"{part.strip()!r} is not CODES=LEVEL (e.g. NNL107=error)")
            table[selector.strip()] = level.strip()
    return table


def apply_severities(diagnostics: Sequence[Diagnostic], overrides: Mapping[str, str]) -> list[Diagnostic]:
    """The findings with their configured severities."""
    if not overrides:
        return list(diagnostics)
    return [
        dataclasses.replace(d, severity=overrides[d.code]) if overrides.get(d.code, d.severity) != d.severity else d
        for d in diagnostics
    ]


def failing(diagnostics: Sequence[Diagnostic], fail_on: str) -> list[Diagnostic]:
    """The findings at or above the `fail_on` severity (unknown severities count as warnings)."""
    threshold = _RANK[fail_on]
    return [d for d in diagnostics if _RANK.get(d.severity, _RANK[WARNING]) >= threshold]
