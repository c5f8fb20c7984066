"""Which local names mean which library objects, from the file's import statements.

A plain alias table, built in one pass over the module, answers "is this name torch.nn?"
for every import form (`import torch.nn.functional as F`, `from torch import nn`,
`from torch.nn.functional import softmax`, even `import torch.nn.functional as nn`)
at a fraction of the cost of libcst's scope analysis, which is about seven times a
parse on real code.
"""

from __future__ import annotations

from typing import Optional, Union

import libcst as cst


def _dotted(node: Union[cst.Attribute, cst.Name]) -> str:
    if isinstance(node, cst.Name):
        return node.value
    return f"{_dotted(node.value)}.{node.attr.value}"  # type: ignore[arg-type]


class ImportCollector(cst.CSTVisitor):
    """Collects `local name -> qualified name` from every import in the file.

    Imports inside functions count too: a later rebinding of the same name in another
    scope is rare enough in model code that a file-wide table is the right trade.
    """

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            full = _dotted(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.aliases[alias.asname.name.value] = full
            else:
                # `import torch.nn` binds `torch`; attribute access resolves the rest.
                top = full.split(".")[0]
                self.aliases[top] = top
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if isinstance(node.names, cst.ImportStar):
            return False
        base = _dotted(node.module) if node.module is not None else ""
        base = "." * len(node.relative) + base
        for alias in node.names:
            imported = _dotted(alias.name)
            local = imported
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.aliases[local] = f"{base}.{imported}" if not base.endswith(".") else f"{base}{imported}"
        return False

    # Function bodies rarely import, but they may; nothing else in them is an import.
    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        return any(isinstance(statement, (cst.Import, cst.ImportFrom)) for statement in node.body)


def collect_imports(module: cst.Module) -> dict[str, str]:
    collector = ImportCollector()
    module.visit(collector)
    return collector.aliases


def qualified_name(node: cst.BaseExpression, aliases: dict[str, str]) -> Optional[str]:
    """`F.softmax` -> `torch.nn.functional.softmax` when `F` is imported as that; else None."""
    parts: list[str] = []
    current: cst.BaseExpression = node
    while isinstance(current, cst.Attribute):
        parts.append(current.attr.value)
        current = current.value
    if not isinstance(current, cst.Name):
        return None
    root = aliases.get(current.value)
    if root is None:
        return None
    parts.append(root)
    return ".".join(reversed(parts))
