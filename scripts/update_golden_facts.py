"""Write the golden fact files that tests/test_golden_facts.py compares the analysis with.

Every fact `nnlint.analysis.analyze` derives (not only the findings) for each acceptance case
in ../shared/cases, each rule's own examples and the examples/ project, one readable text
file per source under tests/golden_facts/. Run it from the repository root after a change
that is meant to change facts, and commit the diff with a message saying what changed and why:

    python scripts/update_golden_facts.py          # rewrite every golden file
    python scripts/update_golden_facts.py --check  # only say which ones differ (exit 1)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nnlint.analysis.fact_dump import dump_facts  # noqa: E402
from nnlint.rules import builtin_rules  # noqa: E402

GOLDEN = ROOT / "tests" / "golden_facts"
CASES = ROOT.parent / "shared" / "cases"
EXAMPLES = ROOT / "examples"


def sources() -> Iterator[tuple[str, bytes]]:
    """(golden file name relative to GOLDEN, source bytes) of every source, in a fixed order.
    The shared cases are left out when they are not beside the checkout."""
    if CASES.is_dir():
        for path in sorted(CASES.glob("*.py")):
            yield f"cases/{path.stem}.txt", path.read_bytes()
    for rule in sorted(builtin_rules(), key=lambda rule: rule.code):
        for kind in ("valid", "invalid"):
            for index, snippet in enumerate(getattr(rule, kind)):
                yield f"rules/{rule.code}-{kind}-{index}.txt", snippet.encode("utf-8")
    for path in sorted(EXAMPLES.rglob("*.py")):
        yield f"examples/{path.relative_to(EXAMPLES).with_suffix('.txt').as_posix()}", path.read_bytes()


def golden_text(name: str, data: bytes) -> str:
    return dump_facts(data, Path(name).stem + ".py")


def main(argv: list[str]) -> int:
    check = "--check" in argv
    differing = []
    expected = set()
    for name, data in sources():
        expected.add(name)
        target = GOLDEN / name
        text = golden_text(name, data)
        if target.is_file() and target.read_text(encoding="utf-8") == text:
            continue
        differing.append(name)
        if not check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    # Golden files of sources that no longer exist (a removed example); the shared cases'
    # files stay when the cases are absent, since they were not checked.
    stale = [path for path in GOLDEN.rglob("*.txt") if path.relative_to(GOLDEN).as_posix() not in expected
             and (CASES.is_dir() or not path.relative_to(GOLDEN).as_posix().startswith("cases/"))]
    for path in stale:
        differing.append(path.relative_to(GOLDEN).as_posix() + " (no longer a source)")
        if not check:
            path.unlink()
    for name in differing:
        print(("differs: " if check else "written: ") + name)
    print(f"{len(expected)} sources, {len(differing)} golden file(s) {'differ' if check else 'updated'}")
    return 1 if check and differing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
