"""What the targets of each regression loss were prepared as, where the preparation is in view.

Read by NNL110. For the target argument of a loss call, the last binding of its name before
the call in the same function (or at module level) is followed back through conversions
(`torch.tensor(y)`, `.float()`, `.view(-1, 1)`, `y[idx]`) to one of:

- standardization: `(y - mean) / std` (a divisor named like a standard deviation or scale),
  `StandardScaler().fit_transform(y)` and the catalogue's other centring scalers;
- a log transform: `np.log(y)`, `torch.log1p(y)`, `y.log()`;
- scaling to [0, 1] or [-1, 1]: `(y - min) / (max - min)`, `MinMaxScaler`, `MaxAbsScaler`.

A loop variable, a parameter or anything else ends the search: unknown, and no rule reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import libcst as cst

from nnlint.analysis.facts import FileFacts
from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.program.syntax import argument, descendants, source_code
from nnlint.catalogue.ecosystem import LOG_TRANSFORMS, SCALER_TARGET_KINDS, VALUE_KEEPING_CONVERSIONS
from nnlint.catalogue.functions import PASS_THROUGH_METHODS, RESHAPING_METHODS
from nnlint.catalogue.ranges import LOG_TRANSFORMED, STANDARDIZED, SYMMETRIC_UNIT, UNIT_INTERVAL

# How a divisor names a spread (std, sigma, scale) or a range (max - min): the two ways of
# scaling after subtracting a centre.
_SPREAD = re.compile(r"std|sigma|stdev|scale", re.IGNORECASE)
_RANGE = re.compile(r"max|min|range|ptp", re.IGNORECASE)
_MAX_DEPTH = 12


@dataclass(frozen=True, eq=False)
class PreparedTarget:
    """The targets of `call` were prepared as `kind` (nnlint.catalogue.ranges) at `node`."""

    call: cst.Call
    kind: str
    node: cst.CSTNode


class _Scope:
    """The bindings of one function (or the module), in textual order. A function's
    parameters are never bound here, so a target that is a parameter stays unknown."""

    def __init__(self, parent: Optional["_Scope"]) -> None:
        self.parent = parent
        self.bindings: list[tuple[int, str, Optional[cst.BaseExpression], cst.CSTNode]] = []
        self.calls: set[int] = set()
        self.order: dict[int, int] = {}


class _TargetReader:
    def __init__(self, facts: FileFacts) -> None:
        self.aliases = facts.imports
        self.scopes: list[_Scope] = []
        self.module_scope = self._read_scope(facts.module, None)
        self.scalers: dict[str, str] = {}  # variable -> target kind of the scaler bound to it
        for scope in self.scopes:
            for _, name, value, _node in scope.bindings:
                kind = self._scaler_kind(value)
                if kind is not None:
                    self.scalers[name] = kind

    def _read_scope(self, body: cst.CSTNode, parent: Optional[_Scope]) -> _Scope:
        scope = _Scope(parent)
        self.scopes.append(scope)
        stop = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
        for index, node in enumerate(descendants(body, stop=stop)):
            scope.order[id(node)] = index
            kind = type(node)  # not isinstance: see syntax.descendants
            if (kind is cst.FunctionDef or kind is cst.ClassDef) and node is not body:
                self._read_scope(node.body, scope)
            elif kind is cst.Call:
                scope.calls.add(id(node))
            elif kind is cst.Assign:
                for target in node.targets:
                    for name, value in _bound(target.target, node.value):
                        scope.bindings.append((index, name, value, node))
            elif kind is cst.AnnAssign or kind is cst.AugAssign:
                for name, _ in _bound(node.target, None):
                    scope.bindings.append((index, name, node.value if kind is cst.AnnAssign else None, node))
            elif kind is cst.For or kind is cst.CompFor:
                for name, _ in _bound(node.target, None):
                    scope.bindings.append((index, name, None, node))
            elif kind is cst.AsName:
                for name, _ in _bound(node.name, None):
                    scope.bindings.append((index, name, None, node))
        return scope

    def _scaler_kind(self, value: Optional[cst.BaseExpression]) -> Optional[str]:
        if type(value) is not cst.Call:
            return None
        kind = SCALER_TARGET_KINDS.get(qualified_name(value.func, self.aliases) or "")
        if kind == UNIT_INTERVAL:
            low = _feature_range_low(argument(value, 0, "feature_range"))
            if low is not None and low < 0:
                kind = SYMMETRIC_UNIT
        return kind

    def prepared(self, call: cst.Call) -> Optional[tuple[str, cst.CSTNode]]:
        scope = next((s for s in self.scopes if id(call) in s.calls), None)
        target = argument(call, 1, "target")
        if scope is None or target is None:
            return None
        return self._kind(target, scope, scope.order[id(call)], 0)

    def _kind(self, node: cst.BaseExpression, scope: _Scope, before: int,
              depth: int) -> Optional[tuple[str, cst.CSTNode]]:
        if depth > _MAX_DEPTH:
            return None
        if type(node) is cst.Name:
            return self._name_kind(node.value, scope, before, depth)
        if type(node) is cst.Subscript:
            return self._kind(node.value, scope, before, depth + 1)
        if type(node) is cst.BinaryOperation and type(node.operator) is cst.Divide:
            if type(node.left) is cst.BinaryOperation and type(node.left.operator) is cst.Subtract:
                divisor = source_code(node.right)
                if _SPREAD.search(divisor):
                    return STANDARDIZED, node
                if _RANGE.search(divisor):
                    return UNIT_INTERVAL, node
            return None
        if type(node) is cst.Call:
            qualified = qualified_name(node.func, self.aliases) or ""
            if qualified in LOG_TRANSFORMS:
                return LOG_TRANSFORMED, node
            if qualified in VALUE_KEEPING_CONVERSIONS and node.args:
                return self._kind(node.args[0].value, scope, before, depth + 1)
            if type(node.func) is cst.Attribute:
                method = node.func.attr.value
                if method in ("log", "log1p", "log_", "log1p_"):
                    return LOG_TRANSFORMED, node
                if method in ("fit_transform", "transform"):
                    receiver = node.func.value
                    kind = (self.scalers.get(receiver.value) if type(receiver) is cst.Name
                            else self._scaler_kind(receiver.func.value if type(receiver) is cst.Call
                                                   and type(receiver.func) is cst.Attribute else receiver))
                    return (kind, node) if kind is not None else None
                if method in PASS_THROUGH_METHODS or method in RESHAPING_METHODS or method == "values":
                    return self._kind(node.func.value, scope, before, depth + 1)
        return None

    def _name_kind(self, name: str, scope: _Scope, before: int, depth: int) -> Optional[tuple[str, cst.CSTNode]]:
        current: Optional[_Scope] = scope
        bound_before: Optional[int] = before
        while current is not None:
            found = [(index, value) for index, bound, value, _ in current.bindings
                     if bound == name and (bound_before is None or index < bound_before)]
            if found:
                index, value = found[-1]
                return None if value is None else self._kind(value, current, index, depth + 1)
            if current is not scope and current.parent is None:
                break
            current, bound_before = current.parent, None  # an enclosing scope: its final binding
        return None


def _bound(target: cst.CSTNode, value: Optional[cst.BaseExpression]):
    """(name, value) for each name a target binds; a value only for a plain `name = value`."""
    if type(target) is cst.Name:
        yield target.value, value
    elif type(target) in (cst.Tuple, cst.List):
        for element in target.elements:
            yield from _bound(element.value, None)


def _feature_range_low(node: Optional[cst.BaseExpression]) -> Optional[float]:
    if type(node) in (cst.Tuple, cst.List) and node.elements:
        first = node.elements[0].value
        negative = type(first) is cst.UnaryOperation and type(first.operator) is cst.Minus
        number = first.expression if negative else first
        if type(number) in (cst.Integer, cst.Float):
            value = float(number.value)
            return -value if negative else value
    return None


def build_target_preparation_facts(facts: FileFacts) -> None:
    """Fill `facts.prepared_targets` for the loss calls whose targets' preparation is in view."""
    if not facts.loss_calls:
        return
    reader = _TargetReader(facts)
    for call in facts.loss_calls:
        found = reader.prepared(call.node)
        if found is not None:
            facts.prepared_targets.append(PreparedTarget(call.node, found[0], found[1]))
