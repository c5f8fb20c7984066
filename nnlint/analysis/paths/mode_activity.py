"""Whether a mode-dependent layer is *active*: whether `.train()` / `.eval()` changes what it
computes, read from how it is built.

A dropout built with a literal 0 (`nn.Dropout(p=0.0)`, `nn.TransformerEncoderLayer(...,
dropout=0)`) does the same thing in both modes. A dropout whose probability is a constructor
parameter (`def __init__(self, dropout_rate=0.0): ... nn.Dropout(dropout_rate)`, as MONAI's
blocks are written, or `def __init__(self, d_in, d_out, dropout)`) is active only when the
value it gets is not 0: the class's activity is then *conditional* on that parameter, and each
construction of the class decides (`SABlock(hidden_size=64)` is inactive by its default,
`SABlock(hidden_size=64, dropout_rate=0.1)` active, `CausalAttention(d, d, 0.0)` inactive).
Where no construction can be read, a conditional class is active when a parameter has no
zero default (a caller must pass something nnlint cannot see: a question is better than
silence), else unknown. Any other probability (`cfg.dropout`) counts as active.

Where the probability sits comes from the catalogue (`catalogue.mode_rate_argument`).
Used by `nnlint.analysis.paths.models`.
"""

from __future__ import annotations

from typing import Optional, Union

import libcst as cst

from nnlint import catalogue
from nnlint.analysis.program.syntax import number_value

# True: active; False: inactive; a frozenset of constructor parameter names: active when a
# caller passes a non-zero value for any of them (each defaults to 0); None: unknown.
Activity = Union[bool, frozenset, None]

# An argument that may be there but cannot be read (`Block(**params)`).
_UNREADABLE = object()


class InitSignature:
    """The parameters of a class's `__init__` (without `self`), in order, with their defaults."""

    def __init__(self, cls: Optional[cst.CSTNode]) -> None:
        self.order: list[str] = []
        self.defaults: dict[str, Optional[cst.BaseExpression]] = {}
        init = _init_of(cls)
        if init is None:
            return
        params = [*init.params.posonly_params, *init.params.params]
        if params and params[0].name.value in ("self", "cls"):
            params = params[1:]
        self.order = [param.name.value for param in params]
        for param in (*params, *init.params.kwonly_params):
            self.defaults[param.name.value] = param.default

    def zero_default(self, name: str) -> bool:
        default = self.defaults.get(name)
        return default is not None and number_value(default, {}) == 0

    def is_parameter(self, name: str) -> bool:
        return name in self.defaults


def _init_of(cls: Optional[cst.CSTNode]) -> Optional[cst.FunctionDef]:
    if type(cls) is not cst.ClassDef:
        return None
    for statement in cls.body.body:
        if type(statement) is cst.FunctionDef and statement.name.value == "__init__":
            return statement
    return None


def argument(call: cst.Call, position: Optional[int], keyword: str):
    """The expression passed for (position, keyword) in `call`; None when it is not passed;
    _UNREADABLE when `*args` / `**kwargs` may carry it."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = []
    for arg in call.args:
        if arg.star:
            return _UNREADABLE
        if arg.keyword is None:
            positional.append(arg.value)
    if position is not None and position < len(positional):
        return positional[position]
    return None


def rate_activity(expression: Optional[cst.BaseExpression], enclosing: InitSignature) -> Activity:
    """The activity of a dropout probability as written: absent (the default, non-zero) or
    unreadable counts as active, a literal decides, and a parameter of the enclosing class's
    `__init__` makes it conditional on that parameter."""
    if expression is None or expression is _UNREADABLE:
        return True
    value = number_value(expression, {})
    if value is not None:
        return value != 0
    if type(expression) is cst.Name and enclosing.is_parameter(expression.value):
        return frozenset({expression.value})
    return True


def torch_layer_activity(qualified: str, call: cst.Call, enclosing: InitSignature) -> Activity:
    """The activity of a torch.nn mode-dependent layer built by `call`."""
    where = catalogue.mode_rate_argument(qualified)
    if where is None:
        return True
    position, keyword = where
    return rate_activity(argument(call, position, keyword), enclosing)


def construction_activity(conditional: frozenset, signature: InitSignature, call: cst.Call,
                          enclosing: InitSignature) -> Activity:
    """The activity of a construction `call` of a class whose activity is conditional on the
    parameters `conditional` (of `signature`), read in the scope of `enclosing`."""
    found: list[Activity] = []
    for name in conditional:
        position = signature.order.index(name) if name in signature.order else None
        passed = argument(call, position, name)
        if passed is _UNREADABLE:
            return None  # `Block(**params)`: the value cannot be read
        if passed is None:
            # Not passed: the default decides (a literal 0 is inactive; anything else active).
            found.append(not signature.zero_default(name))
        else:
            found.append(rate_activity(passed, enclosing))
    return combine(found)


def unconditional(activity: Activity, signature: InitSignature) -> Optional[bool]:
    """A class's activity where its construction cannot be read: conditional on parameters
    that all default to 0 is unknown; on one without a zero default, active."""
    if isinstance(activity, frozenset):
        return True if any(not signature.zero_default(name) for name in activity) else None
    return activity


def combine(found: list[Activity]) -> Activity:
    """Several layers of one model: any active one makes it active; an unknown one makes it
    unknown; conditional ones add their parameters; else inactive."""
    if any(item is True for item in found):
        return True
    if any(item is None for item in found):
        return None
    names: frozenset = frozenset().union(*(item for item in found if isinstance(item, frozenset)))
    return names if names else False
