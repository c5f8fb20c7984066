"""Every fixable rule's own before/after pairs, and its invalid examples under --fix:
the fix gives exactly the `after` text, the result parses, a second pass changes nothing,
and an unsafe fix is never applied without --unsafe-fixes."""

from __future__ import annotations

import pytest

from nnlint.fix.loop import fix_source
from nnlint.lint import lint_source
from nnlint.parse import ParsedFile, parse_source


def _parses_completely(text: str) -> bool:
    parsed = parse_source(text)
    return isinstance(parsed, ParsedFile) and parsed.complete
from nnlint.rules import all_rules

RULES = all_rules()
FIXABLE = [rule for rule in RULES if rule.fix_availability != "none"]


def _fix(rule, text: str, unsafe: bool):
    return fix_source(text.encode("utf-8"), lambda data: lint_source(data, "example.py", {rule.code}), unsafe)


def _findings(rule, text: str):
    return [d for d in lint_source(text.encode("utf-8"), "example.py", {rule.code}) if d.code == rule.code]


PAIRS = [
    pytest.param(rule, before, after, id=f"{rule.code}-{index}")
    for rule in FIXABLE
    for index, (before, after) in enumerate(rule.fix_examples)
]


@pytest.mark.parametrize(("rule", "before", "after"), PAIRS)
def test_fix_example(rule, before, after):
    unsafe = rule.fix_applicability == "unsafe"
    result = _fix(rule, before, unsafe)
    assert result.fixed.decode("utf-8") == after
    assert _parses_completely(after)
    again = _fix(rule, after, unsafe)
    assert not again.changed, f"a second --fix changed the fixed {rule.code} example"
    if unsafe:
        assert not _fix(rule, before, unsafe=False).changed, f"{rule.code}'s unsafe fix applied without --unsafe-fixes"


@pytest.mark.parametrize("rule", FIXABLE, ids=[rule.code for rule in FIXABLE])
def test_fixable_rule_has_fix_examples(rule):
    assert rule.fix_examples, f"{rule.code} declares a fix but has no (before, after) example"
    assert rule.fix_applicability in ("safe", "unsafe")
    assert rule.fix_availability in ("sometimes", "always")


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_invalid_examples_fix_as_declared(rule):
    """Rules without a fix offer none; `always` rules offer one on every finding; whatever
    the fixes do to an invalid example parses and is stable."""
    for snippet in rule.invalid:
        findings = _findings(rule, snippet)
        fixes = [d.fix for d in findings if d.fix is not None]
        if rule.fix_availability == "none":
            assert not fixes, f"{rule.code} declares no fix but offers one"
            continue
        if rule.fix_availability == "always":
            assert len(fixes) == len(findings), f"{rule.code} declares `always` but a finding has no fix"
        assert all(fix.applicability == rule.fix_applicability for fix in fixes)
        result = _fix(rule, snippet, unsafe=True)
        assert _parses_completely(result.fixed.decode("utf-8"))
        assert not _fix(rule, result.fixed.decode("utf-8"), unsafe=True).changed
        assert not result.unparsable
