"""Every rule's own examples (Fixit style): `valid` snippets give no finding of the rule,
`invalid` ones at least one, and exactly on the lines marked `# <--` when any line is marked."""

from __future__ import annotations

import pytest

from nnlint.lint import lint_source
from nnlint.rules import all_rules
from nnlint.rules.base import EXPECTED_MARKER

RULES = all_rules()
# About files rather than code (unreadable, binary, bad encoding): no snippet can show it.
WITHOUT_EXAMPLES = {"NNL002"}

CASES = [
    pytest.param(rule, kind, snippet, id=f"{rule.code}-{kind}-{index}")
    for rule in RULES
    for kind in ("valid", "invalid")
    for index, snippet in enumerate(getattr(rule, kind))
]


def _marked_lines(snippet: str) -> set[int]:
    return {number for number, line in enumerate(snippet.splitlines(), 1) if line.rstrip().endswith(EXPECTED_MARKER)}


def _show(snippet: str, findings) -> str:
    numbered = "\n".join(f"{number:3} | {line}" for number, line in enumerate(snippet.splitlines(), 1))
    found = "\n".join(f"  {d.start.line}:{d.start.column} {d.code} {d.message}" for d in findings) or "  (none)"
    return f"\n{numbered}\nfindings:\n{found}"


@pytest.mark.parametrize(("rule", "kind", "snippet"), CASES)
def test_example(rule, kind, snippet):
    # A file that never mentions torch is skipped unread, so such an example would test nothing.
    assert "torch" in snippet, f"{rule.code} {kind} example never mentions torch; nnlint would skip it unread"
    findings = [d for d in lint_source(snippet.encode("utf-8"), "example.py", {rule.code}) if d.code == rule.code]
    if kind == "valid":
        assert not findings, f"{rule.code} reported on a valid example:{_show(snippet, findings)}"
        return
    assert findings, f"{rule.code} found nothing in an invalid example:{_show(snippet, findings)}"
    marked = _marked_lines(snippet)
    if marked:
        reported = {d.start.line for d in findings}
        assert reported == marked, (
            f"{rule.code} reported on lines {sorted(reported)}, expected exactly the marked lines "
            f"{sorted(marked)}:{_show(snippet, findings)}"
        )


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_rule_has_examples(rule):
    if rule.code in WITHOUT_EXAMPLES:
        pytest.skip(f"{rule.code} is about files, not code")
    if rule.dynamic_only:
        assert not rule.valid and not rule.invalid, f"{rule.code} is found only by running; static snippets test nothing"
        pytest.skip(f"{rule.code} is found only by running a model (tests/test_dynamic*.py)")
    assert rule.valid, f"{rule.code} has no valid example"
    assert rule.invalid, f"{rule.code} has no invalid example"


def test_exempt_codes_exist():
    assert WITHOUT_EXAMPLES <= {rule.code for rule in RULES}
