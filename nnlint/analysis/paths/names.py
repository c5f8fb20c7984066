"""Qualified names of one file's expressions for the path facts, each resolved once.

The scope walk, the model recognition, the preprocessing and the dtype facts ask for the
qualified name of the same callees again and again (three in four asks on timm are
repeats): `QualifiedNames` answers `imports.qualified_name` from a memo that lives as long
as one `build_path_facts` call.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from nnlint.analysis.program.imports import qualified_name


class QualifiedNames:
    """`qualified_name(node, aliases)` for the nodes of one file, remembered by id() of the
    node. Safe for one file: libcst nodes are immutable, the import table is complete before
    the fact builders run, and each entry keeps its node alive so that its id is not reused."""

    def __init__(self, aliases: dict[str, str]) -> None:
        self.aliases = aliases
        self._found: dict[int, tuple[cst.CSTNode, Optional[str]]] = {}

    def __call__(self, node: cst.BaseExpression) -> Optional[str]:
        entry = self._found.get(id(node))
        if entry is None or entry[0] is not node:
            entry = self._found[id(node)] = (node, qualified_name(node, self.aliases))
        return entry[1]
