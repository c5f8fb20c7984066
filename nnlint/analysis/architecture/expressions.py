"""Expressions of the layer-sequence evaluator: literals, containers, arithmetic, conditions.

Part of the builder in `nnlint.analysis.architecture.build`. Only what decides which layers get
built is computed (numbers, strings, lists of layers, `if` conditions over configuration
values); calls are left to the construction reader and the forward data flow.
"""

from __future__ import annotations

from typing import Optional, Union

import libcst as cst

from nnlint.analysis.architecture.kinds import RESHAPE, LayerStep
from nnlint.analysis.architecture.values import (MAX_UNROLL, UNKNOWN_VALUE, Chain, Func, ListValue, Lit, OutOfBudget,
                                          SelfValue, Value)
from nnlint.analysis.program.syntax import string_value


_LITERAL_NAMES = {"True": True, "False": False, "None": None}


class ExpressionEvaluator:
    """Expression evaluation for `ArchitectureBuilder`, whose state (`budget`, `constants`,
    `functions`, `repeating`, `unroll_budget`) and other parts (`_eval_call`, `_combine`,
    `_join`, `_merge`, `_step`, `_bind`, `_iteration_items`) it relies on."""

    def _truth(self, test: cst.BaseExpression, env: dict) -> Optional[bool]:
        # Exact-class tests rather than isinstance, as in `_eval` (no subclasses here).
        kind = type(test)
        if kind is cst.UnaryOperation and type(test.operator) is cst.Not:
            inner = self._truth(test.expression, env)
            return None if inner is None else not inner
        if kind is cst.BooleanOperation:
            left = self._truth(test.left, env)
            right = self._truth(test.right, env)
            if type(test.operator) is cst.And:
                if left is False or right is False:
                    return False
                return True if left and right else None
            if left is True or right is True:
                return True
            return False if left is False and right is False else None
        if kind is cst.Comparison and len(test.comparisons) == 1:
            left = self._eval(test.left, env)
            comparison = test.comparisons[0]
            right = self._eval(comparison.comparator, env)
            if not (type(left) is Lit and type(right) is Lit):
                return None
            a, b = left.value, right.value
            op = type(comparison.operator)
            try:
                if op is cst.Equal:
                    return a == b
                if op is cst.NotEqual:
                    return a != b
                if op is cst.Is or op is cst.IsNot:
                    if not (a is None or b is None or type(a) is bool or type(b) is bool):
                        self.effects += 1  # identity of equal values: not in a call's memo key
                    return (a is b) if op is cst.Is else (a is not b)
                if op is cst.In:
                    return a in b  # type: ignore[operator]
                if op is cst.NotIn:
                    return a not in b  # type: ignore[operator]
                if op is cst.LessThan:
                    return a < b  # type: ignore[operator]
                if op is cst.GreaterThan:
                    return a > b  # type: ignore[operator]
                if op is cst.LessThanEqual:
                    return a <= b  # type: ignore[operator]
                if op is cst.GreaterThanEqual:
                    return a >= b  # type: ignore[operator]
            except TypeError:
                return None
            return None
        value = self._eval(test, env)
        if type(value) is Lit:
            try:
                return bool(value.value)
            except Exception:  # noqa: BLE001
                return None
        return None

    def _operand(self, node: cst.BaseExpression, env: dict) -> Value:
        """`_eval` of an argument or of the base of an attribute or call: a name (the usual
        case) is read straight from the env, the budget spent as `_eval` spends it."""
        if type(node) is cst.Name:
            self.budget -= 1
            if self.budget < 0:
                raise OutOfBudget
            ident = node.value
            if ident in env and ident not in _LITERAL_NAMES:
                return env[ident]
            return self._name_value(ident, env)
        return self._eval(node, env)

    def _eval(self, node: cst.BaseExpression, env: dict) -> Value:
        self.budget -= 1
        if self.budget < 0:
            raise OutOfBudget
        # Dispatch on the exact class: isinstance against libcst's ABC-based classes costs
        # more than the evaluation of most nodes (these classes have no subclasses).
        # Most frequent first.
        kind = type(node)
        if kind is cst.Name:
            return self._name_value(node.value, env)
        if kind is cst.Call:
            return self._eval_call(node, env)
        if kind is cst.Integer:
            try:
                return Lit(int(node.value.replace("_", ""), 0))
            except ValueError:
                return UNKNOWN_VALUE
        if kind is cst.Attribute:
            base = self._operand(node.value, env)
            if type(base) is SelfValue:
                attr = node.attr.value
                if attr in base.cls.attrs:
                    return base.cls.attrs[attr]
                if attr in base.cls.methods:
                    return Func(base.cls.methods[attr], base)
                return UNKNOWN_VALUE
            return UNKNOWN_VALUE
        if kind is cst.SimpleString:
            try:
                return Lit(string_value(node))
            except Exception:  # noqa: BLE001
                return UNKNOWN_VALUE
        if kind is cst.BinaryOperation:
            return self._eval_binary(node, env)
        if kind is cst.Subscript:
            return self._eval_subscript(node, env)
        if kind is cst.List or kind is cst.Tuple:
            return self._eval_sequence(node, env)
        if kind is cst.Float:
            try:
                return Lit(float(node.value.replace("_", "")))
            except ValueError:
                return UNKNOWN_VALUE
        if kind is cst.UnaryOperation:
            value = self._eval(node.expression, env)
            if type(value) is Lit and type(node.operator) is cst.Minus and isinstance(value.value, (int, float)):
                return Lit(-value.value)
            return value if type(value) is Chain else UNKNOWN_VALUE
        if kind is cst.IfExp:
            truth = self._truth(node.test, env)
            if truth is True:
                return self._eval(node.body, env)
            if truth is False:
                return self._eval(node.orelse, env)
            return self._join(self._eval(node.body, env), self._eval(node.orelse, env), node)
        if kind is cst.Dict:
            return self._eval_dict(node, env)
        if kind is cst.ListComp or kind is cst.GeneratorExp:
            return self._eval_comprehension(node, env)
        if kind is cst.BooleanOperation:
            self._eval(node.left, env)
            self._eval(node.right, env)
            return UNKNOWN_VALUE
        return UNKNOWN_VALUE

    def _name_value(self, ident: str, env: dict) -> Value:
        """The value of a name (its evaluation already counted in the budget). `_operand`
        looks in `env` first: a name is half of all evaluations, and most are local."""
        if ident in _LITERAL_NAMES:
            return Lit(_LITERAL_NAMES[ident])
        if ident in env:
            return env[ident]
        if ident in self.constants:
            value = self.constants[ident]
            if type(value) is not Lit and value is not UNKNOWN_VALUE:
                self.effects += 1  # a mutable module value: what a call reads may change
            return value
        if ident in self.functions:
            return Func(self.functions[ident])
        return UNKNOWN_VALUE

    def _eval_sequence(self, node: Union[cst.List, cst.Tuple], env: dict) -> Value:
        values: list = []
        exact = True
        for element in node.elements:
            value = self._eval(element.value, env)
            if type(element) is cst.StarredElement:
                exact = _unpack(value, values) and exact
            else:
                values.append(value)
        if exact and values and all(type(v) is Lit for v in values):
            literal = [v.value for v in values]  # type: ignore[attr-defined]
            return Lit(literal if type(node) is cst.List else tuple(literal))
        return ListValue(values, exact)

    def _eval_dict(self, node: cst.Dict, env: dict) -> Value:
        result = {}
        for element in node.elements:
            if type(element) is not cst.DictElement:
                return UNKNOWN_VALUE
            key, value = self._eval(element.key, env), self._eval(element.value, env)
            if not (type(key) is Lit and type(value) is Lit):
                return UNKNOWN_VALUE
            try:
                result[key.value] = value.value
            except TypeError:
                return UNKNOWN_VALUE
        return Lit(result)

    def _eval_binary(self, node: cst.BinaryOperation, env: dict) -> Value:
        left, right = self._eval(node.left, env), self._eval(node.right, env)
        op, left_kind, right_kind = type(node.operator), type(left), type(right)
        if op is cst.Add and left_kind is ListValue and right_kind is ListValue:
            return ListValue(left.items + right.items, left.exact and right.exact)
        if left_kind is Lit and right_kind is Lit:
            try:
                if op is cst.Add:
                    return Lit(left.value + right.value)  # type: ignore[operator]
                if op is cst.Multiply:
                    return Lit(left.value * right.value)  # type: ignore[operator]
                if op is cst.Subtract:
                    return Lit(left.value - right.value)  # type: ignore[operator]
            except TypeError:
                return UNKNOWN_VALUE
            return UNKNOWN_VALUE
        if op is cst.Multiply and left_kind is ListValue and right_kind is Lit \
                and isinstance(right.value, int) and 0 <= right.value <= 64:
            return ListValue(left.items * right.value, left.exact)
        # On tensors, `x - f(x)` joins the two paths like a residual sum; any other operator
        # (`*`, `@`, `/`) is a plain merge.
        return self._combine(left, right, node, add=op is cst.Add or op is cst.Subtract)

    def _eval_subscript(self, node: cst.Subscript, env: dict) -> Value:
        base = self._eval(node.value, env)
        if type(base) is Chain:
            for element in node.slice:
                if type(element.slice) is cst.Index:
                    index = self._eval(element.slice.value, env)
                    if type(index) is Chain:
                        return self._merge(base, [index], node, skip=False)
            return self._step(base, LayerStep(RESHAPE, node, "indexing", 0))
        if len(node.slice) == 1 and type(node.slice[0].slice) is cst.Index:
            index = self._eval(node.slice[0].slice.value, env)
            if type(base) is Lit and type(index) is Lit:
                try:
                    return Lit(base.value[index.value])  # type: ignore[index]
                except Exception:  # noqa: BLE001
                    return UNKNOWN_VALUE
        return UNKNOWN_VALUE

    def _eval_comprehension(self, node: Union[cst.ListComp, cst.GeneratorExp], env: dict) -> Value:
        results: list = []
        exact = self._comprehension_clause(node.for_in, node.elt, dict(env), results)
        if exact and results and all(isinstance(v, Lit) for v in results):
            return Lit([v.value for v in results])  # type: ignore[attr-defined]
        return ListValue(results, exact)

    def _comprehension_clause(self, clause: cst.CompFor, elt: cst.BaseExpression, local: dict,
                              results: list) -> bool:
        """Appends the elements of one `for` clause (and the clauses nested in it) to `results`;
        False when the count is not known (an unknown iterable or an `if`)."""
        items = self._iteration_items(self._eval(clause.iter, local))
        exact = not clause.ifs

        def one(item: Value) -> bool:
            self._bind(clause.target, item, local)
            if clause.inner_for_in is not None:
                return self._comprehension_clause(clause.inner_for_in, elt, local, results)
            results.append(self._eval(elt, local))
            return True

        if items is not None and len(items) <= MAX_UNROLL and self.unroll_budget >= len(items):
            self.unroll_budget -= len(items)
            for item in items:
                exact = one(item) and exact
            return exact
        if items is not None and len(items) <= MAX_UNROLL:
            self.effects += 1  # refused for want of unroll budget: the outcome depends on it
        one(UNKNOWN_VALUE)
        repeating, self.repeating = self.repeating, True
        one(UNKNOWN_VALUE)
        self.repeating = repeating
        return False

    def _args(self, node: cst.Call, env: dict) -> tuple[list[Value], dict[str, Value], bool]:
        positional: list[Value] = []
        keywords: dict[str, Value] = {}
        exact = True
        for arg in node.args:
            value = self._operand(arg.value, env)
            if arg.keyword is not None:
                keywords[arg.keyword.value] = value
            elif arg.star == "*":
                exact = _unpack(value, positional) and exact
            elif arg.star == "**":
                exact = False
            else:
                positional.append(value)
        return positional, keywords, exact


def _unpack(value: Value, into: list) -> bool:
    """Appends the items of a `*value` to `into`; False when their count is not known."""
    if isinstance(value, ListValue):
        into.extend(value.items)
        return value.exact
    if isinstance(value, Lit) and isinstance(value.value, (list, tuple)):
        into.extend(Lit(v) for v in value.value)
        return True
    into.append(UNKNOWN_VALUE)
    return False
