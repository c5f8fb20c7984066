"""The development corpus (tests/corpus/): reconstructions of real public bug reports.

Each buggy case must get exactly its expected codes and each clean look-alike none; a known
miss is marked `# nnlint-xfail: reason` in the case and shows here as xfail, not hidden.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from score_corpus import CORPUS, case_files, case_units, read_case_file, score_unit  # noqa: E402

from nnlint.rules import all_rules  # noqa: E402

CODES = frozenset(rule.code for rule in all_rules())
UNITS = case_units(CORPUS) if CORPUS.is_dir() else []


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: f"{unit[0]}/{unit[1].name}")
def test_case_gets_exactly_its_expected_codes(unit: tuple[str, Path]) -> None:
    family, path = unit
    results = score_unit(family, path, CODES)
    assert results, f"{path}: no file with a scored '# nnlint-expect:' header"
    for result in results:
        assert result.file.source.startswith("http"), f"{result.name}: '# source: URL' missing"
        if result.file.xfail and not result.right:
            pytest.xfail(result.file.xfail)
        assert result.found == result.file.expected, result.name


def test_every_case_cites_a_public_report() -> None:
    for _, unit in UNITS:
        for path in case_files(unit):
            case = read_case_file(path)
            if case.expected is not None:
                assert case.source.startswith("http"), f"{path}: '# source: URL' missing"
