"""Is a class an nn.Module? One answer for every analysis.

A class is a Module when a base is one: `nn.Module` or a torch.nn class, a LightningModule
(the catalogue), or a class of this file that is a Module. A base defined elsewhere — a
project class in another file (`class Net(BaseModel)` with `BaseModel` imported), a library
class nnlint does not list — is unknown; the class is then a Module when its own body says so:
it assigns a torch.nn layer to an attribute of `self`. Without this, the same body got
different findings depending on where its base class was written.

Once the project join has run, a base in another project file is no longer unknown: the
join says whether its lineage reaches `nn.Module` (`external`, by qualified name), so a
class whose body builds its layers in a list comprehension, or builds none at all, is a
Module when its base in `base.py` is one, exactly as with `nn.Module` written.
"""

from __future__ import annotations

from typing import Callable, Iterator, Mapping, Optional, Sequence

import libcst as cst

from nnlint import catalogue
from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.program.syntax import dotted_name, statement_bodies

# What is known of a base written as a plain name of this file: True / False for a class of
# the file, None for a name the file does not define.
LocalModule = Callable[[str], Optional[bool]]


def is_module_class(node: cst.ClassDef, aliases: Mapping[str, str], local: LocalModule,
                    external: Mapping[str, bool] = {}) -> bool:  # noqa: B006 - read only
    """Whether `node` defines an nn.Module (see the module docstring). `external` maps the
    qualified names of bases defined in other project files to whether they are Modules."""
    unknown_base = False
    for base in node.bases:
        if base.keyword is not None:  # metaclass=...
            continue
        written = dotted_name(base.value) or ""
        qualified = qualified_name(base.value, aliases)
        if catalogue.is_module_base(qualified) or catalogue.is_nn_class(qualified):
            return True
        if qualified is not None and qualified in external:
            if external[qualified]:
                return True
            continue
        if qualified is None and type(base.value) is cst.Name:
            known = local(base.value.value)
            if known:
                return True
            if known is False or catalogue.never_module_base(written, None):
                continue
            unknown_base = True
        elif not catalogue.never_module_base(written, qualified):
            unknown_base = True
    return unknown_base and assigns_torch_layer(node, aliases)


def module_bases(bases: Mapping[str, Mapping[str, object]]) -> dict[str, bool]:
    """The `external` argument of `is_module_class` from the join's base classes
    (`FileFacts.external_bases`)."""
    return {name: bool(info.get("module")) for name, info in bases.items()}


def assigns_torch_layer(node: cst.ClassDef, aliases: Mapping[str, str]) -> bool:
    """`self.x = nn.Linear(...)` (or a torch.nn container of layers) in one of its methods."""
    for statement in node.body.body:
        if type(statement) is not cst.FunctionDef:
            continue
        for target, value in _self_assignments(statement.body):
            if type(value) is cst.Call and catalogue.is_nn_class(qualified_name(value.func, aliases)):
                return True
    return False


def _self_assignments(body: cst.BaseSuite) -> Iterator[tuple[cst.BaseExpression, cst.BaseExpression]]:
    pending: list[Sequence[cst.CSTNode]] = [body.body] if type(body) is cst.IndentedBlock else []
    while pending:
        for statement in pending.pop():
            if type(statement) is cst.SimpleStatementLine:
                for small in statement.body:
                    if type(small) is cst.Assign:
                        for target in small.targets:
                            if _on_self(target.target):
                                yield target.target, small.value
                    elif type(small) is cst.AnnAssign and small.value is not None and _on_self(small.target):
                        yield small.target, small.value
            elif isinstance(statement, cst.BaseCompoundStatement) \
                    and type(statement) not in (cst.FunctionDef, cst.ClassDef):
                pending.extend(statement_bodies(statement, every_block=True))


def _on_self(target: cst.BaseExpression) -> bool:
    return type(target) is cst.Attribute and type(target.value) is cst.Name and target.value.value == "self"
