"""How often the analysis walks each file, by who walks it: a development measurement.

Off unless `NNLINT_COUNT_WALKS=1` is set (or `enable()` is called, as
`scripts/count_walks.py` does); then `syntax.descendants` counts the nodes it yields and
`syntax.statement_bodies` the statements of the blocks it opens, and the two statement
interpreters (the value interpreter, the architecture evaluator) the statements they run, each
charged to the phase running (the interpreter, a fact family's builder, the rules). Divided by
the file's own nodes and statements, that is how many full walks over the file each phase
made: the hand-written statement walks open nested blocks through `statement_bodies`, the node
walks all go through `descendants`. Walks that recurse through expressions by hand (the
interpreters' expression evaluation) are not counted. With the environment variable, a table goes to stderr when
the process ends (run `nnlint check -j 1`: pool workers end without running exit handlers).
"""

from __future__ import annotations

import atexit
import os
import sys
from collections import Counter
from contextlib import contextmanager
from typing import IO, Iterator, Optional, TypeVar

import libcst as cst

T = TypeVar("T")


class WalkCounter:
    """Nodes and compound statements visited per phase, and the files' own totals."""

    def __init__(self) -> None:
        self.nodes: Counter[str] = Counter()
        self.statements: Counter[str] = Counter()
        self.file_nodes = 0
        self.file_statements = 0
        self.files = 0
        self._phases = ["other (parse, rules)"]

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self._phases.append(name)
        try:
            yield
        finally:
            self._phases.pop()

    def current_phase(self) -> str:
        return self._phases[-1]

    def counted(self, nodes: Iterator[T]) -> Iterator[T]:
        phase = self._phases[-1]
        for node in nodes:
            self.nodes[phase] += 1
            yield node

    def visited_statements(self, count: int) -> None:
        self.statements[self._phases[-1]] += count

    def start_file(self, module: cst.Module, every_node: Iterator[cst.CSTNode]) -> None:
        """A file about to be analysed: `every_node` is an uncounted walk over all of it."""
        self.files += 1
        for node in every_node:
            self.file_nodes += 1
            if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                self.file_statements += 1

    def report(self, stream: IO[str]) -> None:
        """Walks per file for each phase: node walks (`descendants`) and statement walks
        (statements opened or run), as multiples of one whole walk over the file."""
        nodes, statements = max(self.file_nodes, 1), max(self.file_statements, 1)
        stream.write(f"walks per file over {self.files} files ({self.file_nodes} nodes, "
                     f"{self.file_statements} statements)\n")
        stream.write(f"{'phase':<22} {'node walks':>10} {'statement walks':>16}\n")
        for phase in sorted(set(self.nodes) | set(self.statements), key=lambda p: -(self.nodes[p] / nodes + self.statements[p] / statements)):
            stream.write(f"{phase:<22} {self.nodes[phase] / nodes:>10.2f} {self.statements[phase] / statements:>16.2f}\n")
        stream.write(f"{'total':<22} {sum(self.nodes.values()) / nodes:>10.2f} "
                     f"{sum(self.statements.values()) / statements:>16.2f}\n")


# The counter in use, or None: read by syntax.py on every walk it starts.
COUNTER: Optional[WalkCounter] = None


def enable() -> WalkCounter:
    global COUNTER
    COUNTER = WalkCounter()
    return COUNTER


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Charge the walks made inside to `name` (nothing when counting is off)."""
    if COUNTER is None:
        yield
        return
    with COUNTER.phase(name):
        yield


if os.environ.get("NNLINT_COUNT_WALKS") == "1":
    enable()
    atexit.register(lambda: COUNTER.report(sys.stderr) if COUNTER is not None else None)
