"""The precision labels (tests/precision/labels/): well-formed, and no default rule below 90 %.

The labels are the findings people read on the real-code corpus and judged; a rule that is on
by default must stay at or above 90 % precision on them (docs/precision.md).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from nnlint.rules import all_rules

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from precision import LABELS, manifest  # noqa: E402

RULES = {rule.code: rule for rule in all_rules()}
FIELDS = {"repo", "path", "code", "line", "line_text", "verdict", "reason"}


def _entries() -> list[tuple[Path, dict]]:
    found = []
    for file in sorted(LABELS.glob("*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.append((file, json.loads(line)))
    return found


def test_labels_are_well_formed() -> None:
    repos = {repo for repo, _, _ in manifest()}
    for file, entry in _entries():
        assert FIELDS <= set(entry), f"{file.name}: {entry} lacks {FIELDS - set(entry)}"
        assert entry["code"] == file.stem, f"{file.name} holds a label of {entry['code']}"
        assert entry["code"] in RULES, f"{file.name}: unknown rule {entry['code']}"
        assert entry["repo"] in repos, f"{file.name}: {entry['repo']} is not in corpus.txt"
        assert entry["verdict"] in ("true", "false"), f"{file.name}: verdict {entry['verdict']!r}"
        assert entry["reason"].strip(), f"{file.name}: a label needs its reason"


@pytest.mark.parametrize("code", sorted(RULES))
def test_a_default_rule_is_at_least_90_percent_precise(code: str) -> None:
    verdicts = Counter(entry["verdict"] for _, entry in _entries() if entry["code"] == code)
    read = verdicts["true"] + verdicts["false"]
    if not read or not getattr(RULES[code], "default_enabled", True):
        return
    assert verdicts["true"] / read >= 0.9, (
        f"{code}: {verdicts['true']} of {read} labelled findings are real; below 90 % a rule "
        "must be opt-in (default_enabled = False) and its page must say so")
