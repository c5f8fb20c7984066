"""The report stage: every output format renders the same list of Diagnostics.

The CLI owns summaries, exit codes and where the output goes; a formatter only turns
findings into text, in the order the engine sorted them.
"""

from __future__ import annotations

from typing import Callable, Sequence

from nnlint.diagnostic import Diagnostic
from nnlint.report.full import render_full
from nnlint.report.github import render_github
from nnlint.report.gitlab import render_gitlab
from nnlint.report.json_format import render_json
from nnlint.report.junit import render_junit
from nnlint.report.sarif import render_sarif
from nnlint.report.statistics import render_statistics, render_statistics_json
from nnlint.report.text import render_text

__all__ = ["OUTPUT_FORMATS", "render", "render_statistics", "render_statistics_json"]

_RENDERERS: dict[str, Callable[[Sequence[Diagnostic]], str]] = {
    "text": render_text,
    "full": render_full,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
    "gitlab": render_gitlab,
    "junit": render_junit,
}

OUTPUT_FORMATS: tuple[str, ...] = tuple(_RENDERERS)


def render(diagnostics: Sequence[Diagnostic], output_format: str) -> str:
    """The whole output for `diagnostics` in `output_format` (one of OUTPUT_FORMATS)."""
    try:
        renderer = _RENDERERS[output_format]
    except KeyError:
        raise ValueError(
            f"unknown output format {output_format!r}; expected one of: {', '.join(OUTPUT_FORMATS)}"
        ) from None
    return renderer(diagnostics)
