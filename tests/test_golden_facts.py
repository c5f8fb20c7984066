"""The facts the analysis derives (not only the findings) for every shared case, rule example
and the examples/ project, compared with the golden files in tests/golden_facts/.

A change to an analysis that changes a fact fails here with the diff; when the change is
meant, regenerate with `python scripts/update_golden_facts.py` and say in the commit message
which facts changed and why. The shared cases are skipped when ../shared is not beside the
checkout, as in tests/test_shared_cases.py.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from update_golden_facts import CASES, GOLDEN, golden_text, sources  # noqa: E402

SOURCES = list(sources())
REGENERATE = "python scripts/update_golden_facts.py"


@pytest.mark.parametrize(("name", "data"), SOURCES, ids=[name for name, _ in SOURCES])
def test_facts_match_golden_file(name: str, data: bytes) -> None:
    golden = GOLDEN / name
    assert golden.is_file(), f"no golden facts for {name}: run `{REGENERATE}` and commit tests/golden_facts/{name}"
    wanted = golden.read_text(encoding="utf-8")
    got = golden_text(name, data)
    if got != wanted:
        diff = "".join(difflib.unified_diff(wanted.splitlines(True), got.splitlines(True),
                                            f"golden/{name}", f"now/{name}", n=2))
        pytest.fail(f"facts of {name} changed; if that is meant, run `{REGENERATE}` and explain the "
                    f"change in the commit message:\n{diff}", pytrace=False)


def test_every_golden_file_has_a_source() -> None:
    names = {name for name, _ in SOURCES}
    stale = sorted(path.relative_to(GOLDEN).as_posix() for path in GOLDEN.rglob("*.txt")
                   if path.relative_to(GOLDEN).as_posix() not in names
                   and (CASES.is_dir() or not path.relative_to(GOLDEN).as_posix().startswith("cases/")))
    assert not stale, f"golden files without a source (run `{REGENERATE}` to remove them): {stale}"


@pytest.mark.skipif(not CASES.is_dir(), reason="../shared/cases is not beside this checkout")
def test_shared_cases_are_covered() -> None:
    assert sum(name.startswith("cases/") for name, _ in SOURCES) == len(list(CASES.glob("*.py")))


def test_golden_text_names_nodes_by_position_not_address() -> None:
    text = golden_text("rules/x.txt", b"import torch.nn.functional as F\ndef f(x):\n    return F.softmax(x)\n")
    assert "Call 3:11 F.softmax(x)" in text
    assert "0x" not in text and "object at" not in text
