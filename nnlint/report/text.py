"""`path:line:col: CODE message`, the line editors and CI problem matchers parse."""

from __future__ import annotations

from typing import Sequence

from nnlint.diagnostic import Diagnostic
from nnlint.report.places import label


def single_line(message: str) -> str:
    # Problem matchers read one finding per line; a multi-line message would split it.
    return " ".join(message.splitlines())


def location_line(diagnostic: Diagnostic) -> str:
    """The one-line form of a finding, shared by `text` and the head of `full`; `[*]`
    after the code marks a finding that `--fix` fixes (as in ruff)."""
    mark = "[*] " if diagnostic.fix is not None else ""
    # A notebook's findings read `nb.ipynb:cell 3:2:5:` (as ruff prints them).
    line = f"{label(diagnostic)}: {diagnostic.code} {mark}{single_line(diagnostic.message)}"
    if diagnostic.confirmation is not None:
        line += f" [{single_line(diagnostic.confirmation.label())}]"
    return line


def render_text(diagnostics: Sequence[Diagnostic]) -> str:
    return "".join(location_line(diagnostic) + "\n" for diagnostic in diagnostics)
