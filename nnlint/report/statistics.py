"""`--statistics`: how often each code was found, most frequent first (as ruff prints it)."""

from __future__ import annotations

import json
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


def render_statistics_json(diagnostics: Sequence[Diagnostic]) -> str:
    """ruff's `--statistics --output-format json`: a list of {code, name, count, fixable},
    most frequent first; `fixable` when some finding of the code carries a fix that
    `--fix` would apply (the caller removes the others, as for the text summary)."""
    counts = Counter(diagnostic.code for diagnostic in diagnostics)
    rules = rules_by_code()
    names = {d.code: (rules[d.code].name if d.code in rules else d.name) for d in diagnostics}
    fixable = {d.code for d in diagnostics if d.fix is not None}
    records = [{"code": code, "name": names[code], "count": count, "fixable": code in fixable}
               for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    return json.dumps(records, indent=2) + "\n"
