"""Where a lint's CPU time goes, by stage (parse, interpreter, each fact family, positions, rules):

    python scripts/stage_times.py DIRECTORY [--select CODES]

Checks every `.py` file under DIRECTORY in this process (no project join, no cache), with
every rule (`ALL`, the default here), the default rules (`default`) or the codes given, and
prints the CPU seconds of each stage, each also as a multiple of the parse. A stage's time
excludes the stages it runs inside it (a family pulled in by another is charged to itself).
Unlike cProfile it adds almost nothing to the time of Python code, so the shares are the real
ones; `scripts/count_walks.py` counts the walks instead.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Sequence

import nnlint.analysis as analysis
import nnlint.lint as lint
import nnlint.positions as positions
from nnlint.analysis.program import interpreter
from nnlint.rules import all_rules

_spent: dict[str, float] = defaultdict(float)
# CPU seconds of the timed stages running inside the current one, per level of nesting.
_inner: list[float] = []


def _timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        _inner.append(0.0)
        try:
            return function(*args, **kwargs)
        finally:
            total = time.process_time() - start
            _spent[name] += total - _inner.pop()
            if _inner:
                _inner[-1] += total
    return wrapper


def _instrument() -> None:
    lint.parse_source = _timed("parse", lint.parse_source)
    interpreter.Interpreter.run = _timed("interpreter", interpreter.Interpreter.run)
    for family, builder in list(analysis.FAMILIES.items()):
        analysis.FAMILIES[family] = _timed(family, builder)
    positions.NodePositions.__init__ = _timed("positions", positions.NodePositions.__init__)
    positions.StatementOffsets.__init__ = _timed("positions", positions.StatementOffsets.__init__)
    lint._run_rules = _timed("rules", lint._run_rules)
    lint.analyze = _timed("analysis (other)", lint.analyze)


def _codes(select: str) -> set[str]:
    rules = all_rules()
    if select == "ALL":
        return {rule.code for rule in rules}
    if select == "default":
        return {rule.code for rule in rules if rule.default_enabled}
    return set(select.split(","))


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--select", default="ALL", help="ALL (default), default, or comma-separated codes")
    args = parser.parse_args(argv)
    codes = _codes(args.select)
    _instrument()
    checker = _timed("other (reading, suppressions)", lint.check_source)
    began = time.process_time()
    for path in sorted(args.directory.rglob("*.py")):
        data = lint.read_file(str(path))
        if isinstance(data, bytes):
            checker(data, str(path), codes)
    total = time.process_time() - began
    parse = max(_spent["parse"], 1e-9)
    print(f"selection: {args.select}")
    print(f"{'stage':<30} {'CPU s':>8} {'x parse':>8}")
    for name, seconds in sorted(_spent.items(), key=lambda item: -item[1]):
        print(f"{name:<30} {seconds:>8.2f} {seconds / parse:>8.2f}")
    print(f"{'total':<30} {total:>8.2f} {total / parse:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
