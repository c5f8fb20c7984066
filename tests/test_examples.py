"""examples/ shows exactly the findings examples/README.md promises.

An expectation whose rule does not exist yet is skipped, so the check tightens by itself as
rules are added; a finding that nobody expects fails at once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nnlint.lint import lint_file
from nnlint.rules import rules_by_code
from nnlint.selection import default_codes

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# (file under examples/, code, lines where it may be reported)
EXPECTED = [
    ("classifier/train.py", "NNL101", {27}),
    ("classifier/binary.py", "NNL104", {17, 46, 53}),  # the loss call; its parts also make sense
    ("classifier/predict.py", "NNL107", {24}),
]


def _findings():
    # What `nnlint check examples/` shows: the default rules (an opt-in rule such as NNL612,
    # unseeded runs, would flag every example script).
    codes = set(default_codes())
    found = []
    for path in sorted(EXAMPLES.rglob("*.py")):
        for diagnostic in lint_file(str(path), codes):
            found.append((path.relative_to(EXAMPLES).as_posix(), diagnostic))
    return found


@pytest.mark.parametrize(("name", "code", "lines"), EXPECTED, ids=[f"{n}-{c}" for n, c, _ in EXPECTED])
def test_expected_finding(name, code, lines):
    if code not in rules_by_code():
        pytest.skip(f"{code} is not implemented yet")
    found = [d for path, d in _findings() if path == name and d.code == code]
    assert found, f"no {code} in examples/{name}"
    assert {d.start.line for d in found} <= lines, [f"{d.start.line}:{d.start.column} {d.message}" for d in found]


def test_nothing_unexpected():
    expected = {(name, code) for name, code, _ in EXPECTED}
    unexpected = [
        f"examples/{path}:{d.start.line}:{d.start.column}: {d.code} {d.message}"
        for path, d in _findings()
        if (path, d.code) not in expected
    ]
    assert not unexpected, "\n".join(unexpected)
