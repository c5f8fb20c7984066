"""How many times the analysis walks each file, by phase (interpreter, each fact family):

    python scripts/count_walks.py DIRECTORY [--select CODES] [--extend-select CODES]

Checks every `.py` file under DIRECTORY in this process (no project join, no cache) with the
default rules, or the codes given (`ALL` for every rule), and prints the walks per file that
`nnlint.analysis.program.walk_count` counted: node walks (`syntax.descendants`) and statement walks
(`syntax.statement_bodies`), each as multiples of one whole walk over the file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from nnlint.analysis.program import walk_count
from nnlint.lint import check_source, read_file
from nnlint.rules import all_rules


def _codes(select: str, extend: str) -> set[str]:
    rules = all_rules()
    if select:
        wanted = set(select.split(","))
        codes = {rule.code for rule in rules if "ALL" in wanted or rule.code in wanted}
    else:
        codes = {rule.code for rule in rules if rule.default_enabled}
    return codes | set(filter(None, extend.split(",")))


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--select", default="", help="comma-separated codes, or ALL (default: the default rules)")
    parser.add_argument("--extend-select", default="", help="comma-separated codes added to the selection")
    args = parser.parse_args(argv)
    codes = _codes(args.select, args.extend_select)
    counter = walk_count.enable()
    for path in sorted(args.directory.rglob("*.py")):
        data = read_file(str(path))
        if isinstance(data, bytes):
            check_source(data, str(path), codes)
    print(f"selection: {args.select or 'default rules'}{' + ' + args.extend_select if args.extend_select else ''}")
    counter.report(sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
