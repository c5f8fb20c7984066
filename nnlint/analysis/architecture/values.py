"""The values the layer-sequence evaluator computes with, and the limits on its work.

The evaluator (see `nnlint.analysis.architecture.build`) only needs to know literals, layers,
Sequentials, lists of those, functions, the `self` of a model class, and in `forward`
tensors together with the steps applied to them; anything else is `UNKNOWN_VALUE`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import libcst as cst

from nnlint.analysis.architecture.kinds import LayerStep

MAX_CALL_DEPTH = 4
MAX_UNROLL = 256
# Expressions evaluated per file; past it the file yields no layer sequences at all (a
# partial one could miss the normalization that a later statement adds).
EVAL_BUDGET = 200_000


class OutOfBudget(Exception):
    pass


class Unknown:
    pass


UNKNOWN_VALUE = Unknown()

Value = object


@dataclass(eq=False)
class Lit:
    value: object


@dataclass(eq=False)
class Layer:
    step: LayerStep
    local_class: Optional[str] = None


@dataclass(eq=False)
class Seq:
    node: cst.CSTNode
    items: list  # of Layer / Seq values
    exact: bool = True
    inlined: bool = False
    container: Optional[int] = None  # assigned when its steps are first read


@dataclass(eq=False)
class ListValue:
    items: list
    exact: bool = True
    ordered_dict: bool = False  # an `OrderedDict(...)`, whose items are its values


def copy_lists(values: dict[str, Value]) -> dict[str, Value]:
    """The values with each list copied, so that what a branch appends is not appended to
    the copy. The copy is shallow (a list's items are shared) and not an `OrderedDict(...)`."""
    return {name: ListValue(list(value.items), value.exact) if type(value) is ListValue else value
            for name, value in values.items()}


@dataclass(eq=False)
class Func:
    node: cst.FunctionDef
    bound_self: Optional["SelfValue"] = None


@dataclass(eq=False)
class SelfValue:
    cls: "ClassInfo"


@dataclass(eq=False)
class Chain:
    """A tensor in forward: the steps applied since an input, and the inputs it derives from."""

    steps: tuple[LayerStep, ...]
    roots: frozenset[int]
    uses: int = 0
    returned: bool = False


def tensor_arguments(args: list, keywords: Optional[dict] = None) -> list[Chain]:
    """The arguments of a call that are tensors in `forward`, also inside a list or tuple
    argument (`torch.cat([features, state], 1)`: the result carries on from both)."""
    chains = []
    for a in args:
        kind = type(a)
        if kind is Chain:
            chains.append(a)
        elif kind is ListValue:
            chains.extend(item for item in a.items if type(item) is Chain)
    if keywords:
        chains += [v for v in keywords.values() if type(v) is Chain]
    return chains


@dataclass(eq=False)
class ClassInfo:
    name: str
    node: cst.ClassDef
    methods: dict[str, cst.FunctionDef]
    is_sequential: bool
    attrs: dict[str, object] = field(default_factory=dict)
    items: Optional[list] = None  # for nn.Sequential subclasses
    evaluated: bool = False
    forward_paths: Optional[list[tuple[LayerStep, ...]]] = None
    forward_skip: bool = False
    used: bool = False
