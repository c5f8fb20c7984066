"""How many times a lint walks each file (scripts/count_walks.py's measurement): a count, not a
timing, so it does not depend on the machine's load. A builder that starts walking the whole
tree again per class or per scope shows up here long before it shows up in a benchmark."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnlint.analysis.program import walk_count
from nnlint.lint import check_source, read_file
from nnlint.rules import all_rules

CORPUS = Path(__file__).parent / "corpus"


def _walks(codes: set[str]) -> walk_count.WalkCounter:
    saved = walk_count.COUNTER
    counter = walk_count.enable()
    try:
        for path in sorted(CORPUS.rglob("*.py")):
            data = read_file(str(path))
            if isinstance(data, bytes):
                check_source(data, str(path), codes)
    finally:
        walk_count.COUNTER = saved
    return counter


def _per_file(counter: walk_count.WalkCounter) -> tuple[float, float]:
    return (sum(counter.nodes.values()) / counter.file_nodes,
            sum(counter.statements.values()) / counter.file_statements)


@pytest.fixture(scope="module")
def every_rule() -> walk_count.WalkCounter:
    return _walks({rule.code for rule in all_rules()})


def test_every_rule_walks_each_file_a_bounded_number_of_times(every_rule):
    # Measured on the development corpus on 2026-12-03: 5.77 node walks, 8.07 statement walks;
    # 6.5 / 8.85 once the corpus gained 72 snippet cases and the file summary its classes'
    # attribute reads (one walk of each module class, for subclasses in other files).
    nodes, statements = _per_file(every_rule)
    assert every_rule.files > 200
    assert nodes <= 7.0
    assert statements <= 9.0


def test_no_fact_family_walks_the_whole_file_twice(every_rule):
    # The shared node index (syntax.nodes_by_type) is one walk; no family needs more.
    for phase, count in every_rule.nodes.items():
        assert count / every_rule.file_nodes <= 1.6, phase


def test_one_rule_walks_only_what_it_reads(every_rule):
    # NNL107 reads the interpreter's facts only: the other families are never computed. The
    # interpreter always runs (the file's summary needs it), and the summary walks each module
    # class once for the attributes its code reads (about 0.4 walks per file).
    nodes, statements = _per_file(_walks({"NNL107"}))
    assert nodes <= 1.1
    assert statements <= 2.5
    assert nodes < _per_file(every_rule)[0] / 4
