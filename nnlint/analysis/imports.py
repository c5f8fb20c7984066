"""Which local names mean which library objects, from the file's import statements.

A plain alias table answers "is this name torch.nn?"
for every import form (`import torch.nn.functional as F`, `from torch import nn`,
`from torch.nn.functional import softmax`, even `import torch.nn.functional as nn`)
at a fraction of the cost of libcst's scope analysis, which is about seven times a
parse on real code.
"""

from __future__ import annotations

from typing import Optional, Sequence, Union

import libcst as cst

from nnlint.analysis.syntax import statement_bodies


def _dotted(node: Union[cst.Attribute, cst.Name]) -> str:
    if isinstance(node, cst.Name):
        return node.value
    return f"{_dotted(node.value)}.{node.attr.value}"  # type: ignore[arg-type]


def _record(statement: cst.BaseSmallStatement, aliases: dict[str, str]) -> None:
    if isinstance(statement, cst.Import):
        for alias in statement.names:
            full = _dotted(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                aliases[alias.asname.name.value] = full
            else:
                # `import torch.nn` binds `torch`; attribute access resolves the rest.
                top = full.split(".")[0]
                aliases[top] = top
    elif isinstance(statement, cst.ImportFrom) and not isinstance(statement.names, cst.ImportStar):
        base = "." * len(statement.relative) + (_dotted(statement.module) if statement.module else "")
        for alias in statement.names:
            imported = _dotted(alias.name)
            local = imported
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            aliases[local] = f"{base}{imported}" if base.endswith(".") or not base else f"{base}.{imported}"


def collect_imports(module: cst.Module) -> dict[str, str]:
    """`local name -> qualified name` for every import in the file, at any depth.

    A hand-rolled walk over statements only: libcst's generic visitor would also descend
    into every expression, which on large files costs more than the analysis itself.
    Imports inside functions count file-wide: a name rebound differently in two scopes is
    rare enough in model code that one table is the right trade.
    """
    aliases: dict[str, str] = {}
    pending: list[Sequence[cst.CSTNode]] = [module.body]
    while pending:
        for statement in pending.pop():
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    _record(small, aliases)
            elif isinstance(statement, cst.BaseSmallStatement):
                _record(statement, aliases)
            elif isinstance(statement, cst.BaseCompoundStatement):
                pending.extend(statement_bodies(statement, every_block=True))
    return aliases


def qualified_name(node: cst.BaseExpression, aliases: dict[str, str]) -> Optional[str]:
    """`F.softmax` -> `torch.nn.functional.softmax` when `F` is imported as that; else None."""
    parts: list[str] = []
    current: cst.BaseExpression = node
    # Exact classes rather than isinstance, which is slow on libcst's ABC-based classes.
    while type(current) is cst.Attribute:
        parts.append(current.attr.value)
        current = current.value
    if type(current) is not cst.Name:
        return None
    root = aliases.get(current.value)
    if root is None:
        return None
    parts.append(root)
    return ".".join(reversed(parts))


def spelling(qualified: str, aliases: dict[str, str]) -> Optional[str]:
    """How this file can write `qualified` with the names it imports (`torch.nn.functional.
    logsigmoid` -> `F.logsigmoid`), or None when no import reaches it. A fix must not use a
    name the file never bound. The shortest spelling wins; ties go to the first name in order."""
    found: list[str] = []
    for local, full in sorted(aliases.items()):
        if qualified == full:
            found.append(local)
        elif qualified.startswith(full + ".") and "." not in local:
            found.append(local + qualified[len(full):])
    return min(found, key=len) if found else None
