"""Fuzzing, the short run: mutated fixtures and generated programs through the whole in-process
pipeline (every rule): no exception escapes, every position is inside the file, and the
output is deterministic. Derandomized, so CI sees the same inputs every time; the long run
is `python scripts/fuzz.py --minutes N` (same properties, random inputs)."""

from __future__ import annotations

import random

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzzing import MUTATIONS, TORCH_HEADER, check_pipeline, mutate, seed_sources
from nnlint.parse import source_lines

SEEDS = seed_sources()
SHORT = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.filter_too_much])


@SHORT
@given(seed=st.sampled_from(SEEDS), state=st.integers(0, 2**32 - 1))
def test_mutated_fixtures(seed: str, state: int):
    check_pipeline(mutate(seed, random.Random(state)))


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.__name__)
def test_each_mutation_on_a_training_script(mutation):
    source = next(s for s in SEEDS if "CrossEntropyLoss" in s and "def forward" in s and len(s) > 800)
    rng = random.Random(mutation.__name__)
    for _ in range(4):
        check_pipeline(mutation(source, rng))


def test_truncation_at_every_line():
    # What an editor sends while a file is typed top to bottom.
    source = next(s for s in SEEDS if "backward()" in s and "def forward" in s and len(s) > 800)
    lines = source_lines(source, keepends=True)
    for count in range(len(lines) + 1):
        check_pipeline("".join(lines[:count]).encode())


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(program=st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node()),
       header=st.sampled_from([TORCH_HEADER, "import torch\n"]))
def test_generated_programs(program: str, header: str):
    check_pipeline((header + program).encode("utf-8", "surrogatepass"))
