"""Score nnlint on the development corpus in tests/corpus/: recall per family, clean-silent rate.

The corpus is nnlint's own reconstructions of real public bug reports (never the sources
nnlint is measured on). Layout: `tests/corpus/<family>/<case>.py` is one case;
`tests/corpus/<family>/<case>/` (a folder) is one case of several files. Each case file starts
with the header the shared cases use (a notebook, `<case>.ipynb`, in its first code cell):

    # nnlint-expect: NNL502            (or NNL101,NNL604 / clean / part-of OTHER)
    # source: https://...              (the public report it reconstructs; required)
    # nnlint-xfail: why nnlint misses it today   (optional: a known miss, kept visible)

A case is right when nnlint reports exactly the expected codes in that file (extra findings
are false alarms, so they count against it). Cases run with the default rules plus the opt-in
rules they expect, as a user who enabled those would. Each case is checked as its own project, so
cases never see each other's classes. Usage:

    python scripts/score_corpus.py [tests/corpus] [-v]

Exits 1 when a case not marked xfail is off.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from nnlint.rules import all_rules
from nnlint.runner import ProjectRun

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus"
_EXPECT = "# nnlint-expect:"
_SOURCE = "# source:"
_XFAIL = "# nnlint-xfail:"
# A case is a Python file or a Jupyter notebook (its header in the first code cell).
CASE_SUFFIXES = (".py", ".ipynb")


@dataclass
class CaseFile:
    path: Path
    expected: Optional[set[str]]  # None: part of another file's case, not scored on its own
    source: str
    xfail: str


@dataclass
class CaseResult:
    family: str
    name: str
    file: CaseFile
    found: set[str] = field(default_factory=set)

    @property
    def clean(self) -> bool:
        return self.file.expected == set()

    @property
    def right(self) -> bool:
        return self.found == self.file.expected

    def found_by_default_run(self, opt_in: frozenset[str]) -> bool:
        """Right, and every code it expects is on by default: what a user who enabled nothing
        gets (a case of an opt-in rule counts as a miss here)."""
        return self.right and not ((self.file.expected or set()) & opt_in)

    @property
    def missed(self) -> set[str]:
        return (self.file.expected or set()) - self.found

    @property
    def extra(self) -> set[str]:
        return self.found - (self.file.expected or set())


def _header_lines(path: Path) -> list[str]:
    """The lines a case's header is read from: a notebook's first code cell, else the file."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        code = next((c for c in cells if c.get("cell_type") == "code"), {"source": []})
        source = code["source"]
        return ("".join(source) if isinstance(source, list) else source).splitlines()
    with path.open(encoding="utf-8") as handle:
        return [line for _, line in zip(range(16), handle)]


def case_files(unit: Path) -> list[Path]:
    """The files of a case: the file itself, or a folder's .py files and notebooks."""
    if not unit.is_dir():
        return [unit]
    return sorted(p for p in unit.rglob("*") if p.suffix in CASE_SUFFIXES)


def read_case_file(path: Path) -> CaseFile:
    expected: Optional[set[str]] = None
    source = xfail = ""
    header_seen = False
    for number, line in enumerate(_header_lines(path)):
        if number > 15:
            break
        line = line.strip()
        if line.startswith(_EXPECT):
            header_seen = True
            value = line[len(_EXPECT):].strip()
            if value.startswith("part-of"):
                expected = None
            elif value == "clean":
                expected = set()
            else:
                expected = {code.strip() for code in value.split(",") if code.strip()}
        elif line.startswith(_SOURCE):
            source = line[len(_SOURCE):].strip()
        elif line.startswith(_XFAIL):
            xfail = line[len(_XFAIL):].strip()
    if not header_seen:
        raise ValueError(f"{path}: a corpus case must start with '{_EXPECT} ...'")
    return CaseFile(path, expected, source, xfail)


def case_units(corpus: Path = CORPUS) -> list[tuple[str, Path]]:
    """(family, case path) for every case: a .py file or a folder of them."""
    units = []
    for family in sorted(p for p in corpus.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        for entry in sorted(family.iterdir()):
            if entry.suffix in CASE_SUFFIXES or (entry.is_dir() and not entry.name.startswith((".", "_"))):
                units.append((family.name, entry))
    return units


def score_unit(family: str, unit: Path, codes: frozenset[str]) -> list[CaseResult]:
    """Check one case with the rules of `codes` a user gets by default, plus the opt-in ones
    the case expects: an opt-in rule (NNL612's unseeded runs) must not make every other
    family's training script an extra finding, and a case of it must still select it."""
    files = case_files(unit)
    root = unit if unit.is_dir() else unit.parent
    expected = set().union(*((read_case_file(f).expected or set()) for f in files))
    opt_in = {rule.code for rule in all_rules() if not rule.default_enabled}
    selected = frozenset((codes - opt_in) | (codes & expected))
    run = ProjectRun(root, lambda _: selected, {}, None, 1).check([(str(f), None) for f in files])
    found: dict[str, set[str]] = defaultdict(set)
    for diagnostic in run.diagnostics:
        if not diagnostic.code.startswith("NNL0"):
            found[diagnostic.path].add(diagnostic.code)
    results = []
    for path in files:
        case_file = read_case_file(path)
        if case_file.expected is None:
            continue
        name = str(path.relative_to(unit.parent))
        results.append(CaseResult(family, name, case_file, found[str(path)]))
    return results


def score(corpus: Path = CORPUS) -> list[CaseResult]:
    codes = frozenset(rule.code for rule in all_rules())
    results: list[CaseResult] = []
    for family, unit in case_units(corpus):
        results.extend(score_unit(family, unit, codes))
    return results


def summary_lines(results: list[CaseResult]) -> list[str]:
    by_family: dict[str, list[CaseResult]] = defaultdict(list)
    for result in results:
        by_family[result.family].append(result)
    opt_in = frozenset(rule.code for rule in all_rules() if not rule.default_enabled)
    lines = [f"{'family':<14} {'buggy':>6} {'found':>6} {'recall':>7} {'default':>8} {'clean':>6} {'silent':>7}"]
    totals = [0, 0, 0, 0, 0]
    for family, group in sorted(by_family.items()):
        buggy = [r for r in group if not r.clean]
        clean = [r for r in group if r.clean]
        found = sum(1 for r in buggy if r.right)
        silent = sum(1 for r in clean if r.right)
        by_default = sum(1 for r in buggy if r.found_by_default_run(opt_in))
        totals = [totals[0] + len(buggy), totals[1] + found, totals[2] + len(clean), totals[3] + silent,
                  totals[4] + by_default]
        lines.append(f"{family:<14} {len(buggy):>6} {found:>6} {_percent(found, len(buggy)):>7} "
                     f"{_percent(by_default, len(buggy)):>8} {len(clean):>6} {_percent(silent, len(clean)):>7}")
    lines.append(f"{'all':<14} {totals[0]:>6} {totals[1]:>6} {_percent(totals[1], totals[0]):>7} "
                 f"{_percent(totals[4], totals[0]):>8} {totals[2]:>6} {_percent(totals[3], totals[2]):>7}")
    lines.append("recall: with the opt-in rules a case expects enabled; default: a run with the default "
                 "rules only (a case of an opt-in rule is a miss)")
    return lines


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "-"


def main(argv: list[str]) -> int:
    paths = [a for a in argv if not a.startswith("-")]
    corpus = Path(paths[0]) if paths else CORPUS
    verbose = "-v" in argv
    results = score(corpus)
    unexpected = 0
    for result in results:
        if result.right and not verbose:
            continue
        status = "OK" if result.right else ("XFAIL" if result.file.xfail else "OFF")
        unexpected += status == "OFF"
        detail = []
        if result.missed:
            detail.append("missed " + ",".join(sorted(result.missed)))
        if result.extra:
            detail.append("extra " + ",".join(sorted(result.extra)))
        if result.right and result.file.xfail:
            status = "XPASS"
            detail.append("marked xfail but now right: drop the marker")
        print(f"{status:5} {result.family}/{result.name}  {'; '.join(detail)}".rstrip())
    print("\n".join(summary_lines(results)))
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main(sys.argv[1:]))
