"""`--statistics`: how often each code was found, most frequent first (as ruff prints it)."""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from nnlint.diagnostic import Diagnostic
from nnlint.rules import rules_by_code


def render_statistics(diagnostics: Sequence[Diagnostic]) -> str:
    """One line per code, `  3  NNL101  softmax-before-cross-entropy`, counts aligned."""
    if not diagnostics:
        return ""
    counts = Counter(diagnostic.code for diagnostic in diagnostics)
    names = {diagnostic.code: diagnostic.name for diagnostic in diagnostics}
    rules = rules_by_code()
    for code, rule in rules.items():
        if code in names:
            names[code] = rule.name
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    count_width = max(3, len(str(ordered[0][1])))
    code_width = max(len(code) for code in counts)
    return "".join(
        f"{count:>{count_width}}  {code:<{code_width}}  {names[code]}\n" for code, count in ordered
    )
