"""Run nnlint over a folder of acceptance cases and compare with each file's header.

Each case starts with `# nnlint-expect: NNL101,NNL604`, `# nnlint-expect: clean`, or
`# nnlint-expect: part-of OTHER` (a file that belongs to another case). Usage:

    python scripts/check_cases.py ../shared/cases [-v]

Prints one line per case (OK, MISSED codes, EXTRA codes) and a summary; exits 1 when any
case is off. Codes of rules nnlint does not have yet are listed as "not implemented".
"""

from __future__ import annotations

import sys
from pathlib import Path

from nnlint.diagnostic import Diagnostic
from nnlint.project import find_project_root
from nnlint.rules import all_rules
from nnlint.runner import ProjectRun

HEADER = "# nnlint-expect:"


def expected_codes(path: Path) -> set[str] | None:
    """The codes a case expects; None for a file that is part of another case."""
    with path.open(encoding="utf-8") as handle:
        first = handle.readline().strip()
    if not first.startswith(HEADER):
        return None
    expectation = first[len(HEADER):].strip()
    if expectation.startswith("part-of"):
        return None
    if expectation == "clean":
        return set()
    return {code.strip() for code in expectation.split(",") if code.strip()}


def project_findings(folder: Path, codes: set[str]) -> dict[str, list[Diagnostic]]:
    """Every case file's findings, checked together as one project (a case may span two
    files), without the cache. Of `codes`, the opt-in rules run only when some case expects
    them: a header says what a correct linter reports by default."""
    files = sorted(str(path) for path in folder.glob("*.py"))
    expected = set().union(*((expected_codes(Path(name)) or set()) for name in files))
    opt_in = {rule.code for rule in all_rules() if not rule.default_enabled}
    selected = frozenset((set(codes) - opt_in) | (set(codes) & expected))
    run = ProjectRun(find_project_root(folder), lambda _: selected, {}, None, 1).check(
        [(name, None) for name in files])
    found: dict[str, list[Diagnostic]] = {name: [] for name in files}
    for diagnostic in run.diagnostics:
        found[diagnostic.path].append(diagnostic)
    return found


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path("../shared/cases")
    verbose = "-v" in argv
    implemented = {rule.code for rule in all_rules()}
    off = 0
    findings = project_findings(folder, implemented)
    for path in sorted(folder.glob("*.py")):
        wanted = expected_codes(path)
        if wanted is None:
            continue
        diagnostics = findings[str(path)]
        found = {d.code for d in diagnostics}
        missed = (wanted & implemented) - found
        extra = found - wanted
        status = "OK" if not missed and not extra else "OFF"
        off += status == "OFF"
        detail = []
        if missed:
            detail.append("missed " + ",".join(sorted(missed)))
        if extra:
            detail.append("extra " + ",".join(sorted(extra)))
        if wanted - implemented:
            detail.append("not implemented " + ",".join(sorted(wanted - implemented)))
        print(f"{status:3} {path.name}  {'; '.join(detail)}".rstrip())
        if verbose:
            for d in diagnostics:
                print(f"      {d.start.line}:{d.start.column} {d.code} {d.message}")
    print(f"{off} case(s) off")
    return 1 if off else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
