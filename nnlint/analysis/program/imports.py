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

from nnlint.analysis.program.syntax import _with_subclasses, statement_bodies
from nnlint.catalogue.names import CONVENTIONAL_IMPORTS, STAR_IMPORTED_CONVENTIONS

_SMALL_STATEMENTS = _with_subclasses((cst.BaseSmallStatement,))
_COMPOUND_STATEMENTS = _with_subclasses((cst.BaseCompoundStatement,))


def _dotted(node: Union[cst.Attribute, cst.Name]) -> str:
    if type(node) is cst.Name:
        return node.value
    return f"{_dotted(node.value)}.{node.attr.value}"  # type: ignore[arg-type]


def _record(statement: cst.BaseSmallStatement, aliases: dict[str, str]) -> None:
    # Exact classes rather than isinstance, which is slow on libcst's ABC-based classes (none
    # of the classes tested in this module has subclasses, but for the sets named so).
    kind = type(statement)
    if kind is cst.Import:
        for alias in statement.names:
            full = _dotted(alias.name)
            if alias.asname is not None and type(alias.asname.name) is cst.Name:
                aliases[alias.asname.name.value] = full
            else:
                # `import torch.nn` binds `torch`; attribute access resolves the rest.
                top = full.split(".")[0]
                aliases[top] = top
    elif kind is cst.ImportFrom and type(statement.names) is not cst.ImportStar:
        base = "." * len(statement.relative) + (_dotted(statement.module) if statement.module else "")
        for alias in statement.names:
            imported = _dotted(alias.name)
            local = imported
            if alias.asname is not None and type(alias.asname.name) is cst.Name:
                local = alias.asname.name.value
            aliases[local] = f"{base}{imported}" if base.endswith(".") or not base else f"{base}.{imported}"


class ImportTable(dict[str, str]):
    """`local name -> qualified name` of the file's imports. A lookup also answers for the
    conventional names the file leaves unbound (`assumed`: `nn` in a snippet means torch.nn),
    but iteration lists only what the file imports, so fixes and exports never use them."""

    def __init__(self) -> None:
        super().__init__()
        self.assumed: dict[str, str] = {}
        # What qualified_name gave each node asked about, by id(): every stage asks for the
        # same callees, and the interpreter once per round. The node is kept in the entry, so
        # its id is never another node's; the table is complete before anyone asks (it is only
        # written by collect_imports) and lives as long as the file's facts.
        self.qualified_names: dict[int, tuple[cst.CSTNode, Optional[str]]] = {}
        # Whether something (a star import) may bind names the file never spells.
        self.star = False
        self.bound: set[str] = set()  # names the file binds anywhere, other than by import

    def get(self, key: str, default: Optional[str] = None) -> Optional[str]:  # type: ignore[override]
        return dict.get(self, key) or self.assumed.get(key, default)

    def __getitem__(self, key: str) -> str:
        found = dict.get(self, key)
        return found if found is not None else self.assumed[key]

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or key in self.assumed


def elided_name(name: str, aliases: dict[str, str]) -> bool:
    """Whether nothing in the file binds `name` (no import, assignment, parameter, loop
    variable or definition, and no star import that could): in a snippet, an object whose
    set-up the post left out (`model` of a pasted training loop)."""
    if not isinstance(aliases, ImportTable) or aliases.star:
        return False
    return name not in aliases.bound and not dict.__contains__(aliases, name) and name not in aliases.assumed


def referable_modules(aliases: dict[str, str]) -> list[str]:
    """Every qualified name a file can refer to: its imports and the conventional names it
    leaves unbound (a gate "does this file use torch?" must answer yes for a snippet that
    says `DataLoader(...)` without importing it)."""
    return [*dict.values(aliases), *getattr(aliases, "assumed", {}).values()]


def collect_imports(module: cst.Module) -> ImportTable:
    """`local name -> qualified name` for every import in the file, at any depth.

    A hand-rolled walk over statements only: libcst's generic visitor would also descend
    into every expression, which on large files costs more than the analysis itself.
    Imports inside functions count file-wide: a name rebound differently in two scopes is
    rare enough in model code that one table is the right trade.
    """
    aliases = ImportTable()
    bound: set[str] = set()
    star = False
    pending: list[Sequence[cst.CSTNode]] = [module.body]
    while pending:
        for statement in pending.pop():
            kind = type(statement)
            if kind is cst.SimpleStatementLine:
                for small in statement.body:
                    _record(small, aliases)
                    star = star or (type(small) is cst.ImportFrom and type(small.names) is cst.ImportStar)
                    _bind_small(small, bound)
            elif kind in _SMALL_STATEMENTS:
                _record(statement, aliases)
                _bind_small(statement, bound)
            elif kind in _COMPOUND_STATEMENTS:
                _bind_compound(statement, bound)
                pending.extend(statement_bodies(statement, every_block=True))
    aliases.star = star
    aliases.bound = bound
    # A snippet without its import lines: `nn.Linear` there is torch's, as the reader of the
    # post takes it. A star import could bind the names to anything, except the few that can
    # only be the module (`torch.no_grad()` after `from utils import *`).
    aliases.assumed = {name: full for name, full in CONVENTIONAL_IMPORTS.items()
                       if name not in aliases and name not in bound
                       and (not star or name in STAR_IMPORTED_CONVENTIONS)}
    return aliases


def _bind_target(target: cst.BaseExpression, bound: set[str]) -> None:
    kind = type(target)
    if kind is cst.Name:
        bound.add(target.value)
    elif kind is cst.Tuple or kind is cst.List:
        for element in target.elements:
            _bind_target(element.value, bound)
    elif kind is cst.StarredElement:
        _bind_target(target.value, bound)


def _bind_small(statement: cst.BaseSmallStatement, bound: set[str]) -> None:
    """Names a simple statement binds (other than by import)."""
    kind = type(statement)
    if kind is cst.Assign:
        for target in statement.targets:
            _bind_target(target.target, bound)
    elif kind is cst.AnnAssign or kind is cst.AugAssign:
        _bind_target(statement.target, bound)
    elif kind is cst.Global or kind is cst.Nonlocal:
        bound.update(item.name.value for item in statement.names)


def _bind_compound(statement: cst.BaseCompoundStatement, bound: set[str]) -> None:
    """Names a compound statement's header binds: a def's name and parameters, a class's name,
    a loop's target, `with ... as`, `except ... as`."""
    kind = type(statement)
    if kind is cst.FunctionDef or kind is cst.ClassDef:
        bound.add(statement.name.value)
    if kind is cst.FunctionDef:
        parameters = statement.params
        for parameter in (*parameters.posonly_params, *parameters.params, *parameters.kwonly_params):
            bound.add(parameter.name.value)
        for star in (parameters.star_arg, parameters.star_kwarg):
            if type(star) is cst.Param:
                bound.add(star.name.value)
    elif kind is cst.For:
        _bind_target(statement.target, bound)
    elif kind is cst.With:
        for item in statement.items:
            if item.asname is not None:
                _bind_target(item.asname.name, bound)
    elif kind is cst.Try:
        for handler in statement.handlers:
            if handler.name is not None:
                _bind_target(handler.name.name, bound)


def qualified_name(node: cst.BaseExpression, aliases: dict[str, str]) -> Optional[str]:
    """`F.softmax` -> `torch.nn.functional.softmax` when `F` is imported as that; else None."""
    if type(aliases) is ImportTable:
        entry = aliases.qualified_names.get(id(node))
        if entry is not None and entry[0] is node:
            return entry[1]
        name = _resolve(node, aliases)
        aliases.qualified_names[id(node)] = (node, name)
        return name
    return _resolve(node, aliases)


def _resolve(node: cst.BaseExpression, aliases: dict[str, str]) -> Optional[str]:
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
