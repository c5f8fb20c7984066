"""Statements of the layer-sequence evaluator: blocks, assignments, branches, loops, calls.

Part of the builder in `nnlint.analysis.architecture.build`, which mixes it with the expression
evaluator, the construction reader and the forward data flow. A branch whose condition is
unknown runs both ways and joins what each side built; a loop over something unknown runs
twice, the second pass marked `repeated`, so a rule can tell how much of a stack is certain.
"""

from __future__ import annotations

import itertools
from typing import Callable, Optional, Sequence

import libcst as cst

from nnlint.analysis.program import walk_count

from nnlint.analysis.architecture.kinds import UNKNOWN, LayerStep
from nnlint.analysis.architecture.values import (MAX_CALL_DEPTH, MAX_UNROLL, UNKNOWN_VALUE, Chain, Func, Layer, ListValue,
                                          Lit, OutOfBudget, Seq, SelfValue, Value, copy_lists)


class StatementEvaluator:
    """Statement execution for `ArchitectureBuilder`, whose state (`depth`, `repeating`,
    `unroll_budget`) and other parts (`_eval`, `_combine`, `_extend`) it relies on."""

    def _exec_block(self, statements: Sequence[cst.CSTNode], env: dict, module_level: bool = False) -> Optional[Value]:
        """Runs statements; returns the value of a `return`, or None if none was reached."""
        if walk_count.COUNTER is not None:  # a development measurement, off by default
            walk_count.COUNTER.visited_statements(len(statements))
        for statement in statements:
            result = self._exec(statement, env, module_level)
            if result is not None:
                return result
        return None

    def _exec(self, statement: cst.CSTNode, env: dict, module_level: bool = False) -> Optional[Value]:
        # Dispatch on the exact class, as `_eval` does (these libcst classes have no subclasses).
        kind = type(statement)
        if kind is cst.SimpleStatementLine:
            body = statement.body
            if len(body) == 1:
                return self._exec_small(body[0], env)
            for small in body:
                result = self._exec_small(small, env)
                if result is not None:
                    return result
            return None
        if kind is cst.FunctionDef:
            if not module_level:
                env[statement.name.value] = Func(statement)
            return None
        if kind is cst.ClassDef:
            return None
        if kind is cst.If:
            return self._exec_if(statement, env)
        if kind is cst.For:
            return self._exec_for(statement, env)
        if kind is cst.While:
            self._exec_unknown_loop(statement.body.body, env, statement)
            return None
        if kind is cst.With:
            for item in statement.items:
                self._eval(item.item, env)
            return self._exec_block(statement.body.body, env)
        if kind is cst.Try:
            result = self._exec_block(statement.body.body, env)
            if statement.orelse is not None and result is None:
                result = self._exec_block(statement.orelse.body.body, env)
            return result
        return None

    def _exec_small(self, small: cst.BaseSmallStatement, env: dict) -> Optional[Value]:
        kind = type(small)
        if kind is cst.Expr:
            self._eval(small.value, env)
        elif kind is cst.Assign:
            value = self._eval(small.value, env)
            for target in small.targets:
                name = target.target
                if type(name) is cst.Name:  # `_bind` of a name, without the call
                    env[name.value] = value
                else:
                    self._bind(name, value, env)
        elif kind is cst.Return:
            return self._eval(small.value, env) if small.value is not None else UNKNOWN_VALUE
        elif kind is cst.AnnAssign and small.value is not None:
            self._bind(small.target, self._eval(small.value, env), env)
        elif kind is cst.AugAssign:
            if type(small.operator) is cst.AddAssign:
                current = self._eval(small.target, env)
                added = self._eval(small.value, env)
                if type(current) is ListValue:
                    self._extend(current, added)
                    return None
                value = self._combine(current, added, small, add=True)
            else:
                value = self._combine(self._eval(small.target, env), self._eval(small.value, env), small,
                                      add=False)
            self._bind(small.target, value, env)
        return None

    def _bind(self, target: cst.BaseExpression, value: Value, env: dict) -> None:
        kind = type(target)
        if kind is cst.Name:
            env[target.value] = value
        elif kind is cst.Attribute and type(target.value) is cst.Name:
            owner = env.get(target.value.value)
            if type(owner) is SelfValue:
                owner.cls.attrs[target.attr.value] = value
                self.effects += 1
        elif kind is cst.Tuple or kind is cst.List:
            items = value.items if isinstance(value, ListValue) and value.exact else None
            if isinstance(value, Lit) and isinstance(value.value, (list, tuple)):
                items = [Lit(item) for item in value.value]
            for index, element in enumerate(target.elements):
                if items is not None and len(items) == len(target.elements):
                    self._bind(element.value, items[index], env)
                elif isinstance(value, Chain):
                    self._bind(element.value, value, env)
                else:
                    self._bind(element.value, UNKNOWN_VALUE, env)

    def _snapshot(self, env: dict) -> tuple[dict, dict]:
        # One pass over the env: copy its lists (as `copy_lists`) and find the `self` values.
        names = env.copy()
        attrs = {}
        for name, value in env.items():
            kind = type(value)
            if kind is ListValue:
                names[name] = ListValue(list(value.items), value.exact)
            elif kind is SelfValue and id(value.cls) not in attrs:
                attrs[id(value.cls)] = copy_lists(value.cls.attrs)
        return names, attrs

    def _restore(self, env: dict, snapshot: tuple[dict, dict]) -> None:
        """Puts back the env and `self` attributes of a snapshot taken by `_snapshot`, which
        must not be used again: its lists are the copies put back."""
        names, attrs = snapshot
        env.clear()
        env.update(names)
        if not attrs:
            return
        for value in env.values():
            if type(value) is SelfValue and id(value.cls) in attrs:
                value.cls.attrs = dict(attrs[id(value.cls)])
                self.effects += 1

    def _exec_if(self, statement: cst.If, env: dict) -> Optional[Value]:
        truth = self._truth(statement.test, env)
        orelse = statement.orelse
        else_body: Sequence[cst.CSTNode] = ()
        if isinstance(orelse, cst.If):
            else_body = (orelse,)
        elif isinstance(orelse, cst.Else):
            else_body = orelse.body.body
        if truth is True:
            return self._exec_block(statement.body.body, env)
        if truth is False:
            return self._exec_block(else_body, env)
        entry = self._snapshot(env)
        result_a = self._exec_block(statement.body.body, env)
        after_a = self._snapshot(env)
        self._restore(env, entry)
        result_b = self._exec_block(else_body, env)
        self._merge_branches(env, after_a, statement)
        if result_a is not None and result_b is not None:
            return self._join(result_a, result_b, statement)
        return None

    def _merge_branches(self, env: dict, other: tuple[dict, dict], node: cst.CSTNode) -> None:
        names, attrs = other
        _join_into(env, names, node, self._join)
        if not attrs:
            return
        for value in env.values():
            if type(value) is SelfValue and id(value.cls) in attrs:
                _join_into(value.cls.attrs, attrs[id(value.cls)], node, self._join)
                self.effects += 1

    def _join(self, a: Value, b: Value, node: cst.CSTNode) -> Value:
        if a is b:
            return a
        kind_a, kind_b = type(a), type(b)
        if kind_a is ListValue and kind_b is ListValue:
            common = []
            for x, y in zip(a.items, b.items):
                if x is not y:
                    break
                common.append(x)
            if len(common) == len(a.items) == len(b.items):
                return ListValue(common, a.exact and b.exact)
            return ListValue(common + [self._conditional(node)], False)
        if kind_a is Lit and kind_b is Lit and a.value == b.value:
            return a
        if kind_a is Chain and kind_b is Chain:
            longer = a if len(a.steps) >= len(b.steps) else b
            a.uses += 1
            b.uses += 1
            step = LayerStep(UNKNOWN, node, "conditional", 0, resets=True)
            return self._new_chain(Chain(longer.steps + (step,), a.roots | b.roots))
        if kind_a is Layer or kind_a is Seq or kind_b is Layer or kind_b is Seq:
            return self._conditional(node)
        return UNKNOWN_VALUE

    def _conditional(self, node: cst.CSTNode) -> Layer:
        return Layer(LayerStep(UNKNOWN, node, "conditional layers", 0, resets=True, repeated=self.repeating))

    def _exec_for(self, statement: cst.For, env: dict) -> Optional[Value]:
        iterable = self._eval(statement.iter, env)
        items = self._iteration_items(iterable)
        if items is not None and len(items) <= MAX_UNROLL and self.unroll_budget >= len(items):
            self.unroll_budget -= len(items)
            for item in items:
                self._bind(statement.target, item, env)
                result = self._exec_block(statement.body.body, env)
                if result is not None:
                    return result
            return None
        if items is not None and len(items) <= MAX_UNROLL:
            self.effects += 1  # refused for want of unroll budget: the outcome depends on it
        self._bind(statement.target, UNKNOWN_VALUE, env)
        self._exec_unknown_loop(statement.body.body, env, statement)
        return None

    def _exec_unknown_loop(self, body: Sequence[cst.CSTNode], env: dict, node: cst.CSTNode) -> None:
        before = dict(env)
        repeating = self.repeating
        self._exec_block(body, env)
        if not repeating:  # a loop nested in a second pass runs once: no 2**depth blow-up
            self.repeating = True
            self._exec_block(body, env)
            self.repeating = repeating
        for name, value in env.items():
            if isinstance(value, ListValue):
                value.exact = False
            elif isinstance(value, Chain) and before.get(name) is not value:
                # A tensor rebound in a loop: what it went through is not one fixed chain.
                value.uses += 1
                # Still a chain of the forward pass: returned or left unused, it is a path
                # whose steps the architecture rules read.
                step = LayerStep(UNKNOWN, node, "loop", 0, resets=True)
                env[name] = self._new_chain(Chain(value.steps + (step,), value.roots))

    def _iteration_items(self, value: Value) -> Optional[list]:
        kind = type(value)
        if kind is Lit and isinstance(value.value, (list, tuple, str, range, dict)):
            return [Lit(item) for item in value.value]
        if kind is ListValue and value.exact:
            return list(value.items)
        return None

    def _call_function(self, function: cst.FunctionDef, args: list, keywords: dict, standalone: bool = False,
                       bound_self: Optional[SelfValue] = None) -> Value:
        """Evaluates a call of `function`. A call that changed nothing outside itself and
        returned nothing known is remembered (see `_call_key`): the same call again only
        spends the budgets it spent, as a helper called in an unrolled loop is (timm's
        tests/test_optim.py evaluated its `fn` some 1,600 times)."""
        if self.depth >= MAX_CALL_DEPTH:
            return UNKNOWN_VALUE
        key = _call_key(function, args, keywords, standalone, self.depth, self.repeating, self.constant_ids) \
            if bound_self is None else None
        if key is not None:
            spent = self.call_memo.get(key)
            # Enough unroll budget left for every loop it unrolled: it unrolls them again.
            if spent is not None and self.unroll_budget >= spent[1]:
                self.budget -= spent[0]
                if self.budget < 0:
                    raise OutOfBudget
                self.unroll_budget -= spent[1]
                return UNKNOWN_VALUE
        effects, budget, unroll_budget = self.effects, self.budget, self.unroll_budget
        result = self._evaluate_call(function, args, keywords, standalone, bound_self)
        if key is not None and result is UNKNOWN_VALUE and self.effects == effects:
            self.call_memo[key] = (budget - self.budget, unroll_budget - self.unroll_budget)
        return result

    def _evaluate_call(self, function: cst.FunctionDef, args: list, keywords: dict, standalone: bool,
                       bound_self: Optional[SelfValue]) -> Value:
        env: dict[str, Value] = {}
        params = function.params
        positional = list(params.posonly_params) + list(params.params)
        remaining = list(args)
        for index, param in enumerate(positional):
            name = param.name.value
            if index == 0 and bound_self is not None and name == "self":
                env[name] = bound_self
                continue
            env[name] = remaining.pop(0) if remaining else self._parameter_value(param, keywords, standalone)
        for param in params.kwonly_params:
            env[param.name.value] = self._parameter_value(param, keywords, standalone)
        if type(params.star_arg) is cst.Param:
            env[params.star_arg.name.value] = UNKNOWN_VALUE
        if params.star_kwarg is not None:
            env[params.star_kwarg.name.value] = UNKNOWN_VALUE
        self.depth += 1
        try:
            result = self._exec_block(function.body.body, env) if type(function.body) is cst.IndentedBlock \
                else None
        finally:
            self.depth -= 1
        return UNKNOWN_VALUE if result is None else result

    def _parameter_value(self, param: cst.Param, keywords: dict, standalone: bool) -> Value:
        """A parameter not given positionally. Defaults are left unknown when the function is
        evaluated on its own (`standalone`): a caller elsewhere may pass anything."""
        name = param.name.value
        if name in keywords:
            return keywords[name]
        if param.default is not None and not standalone:
            return self._eval(param.default, {})
        return UNKNOWN_VALUE


_MISSING = object()


def _join_into(mine: dict, theirs: dict, node: cst.CSTNode, join: Callable[[Value, Value, cst.CSTNode], Value]) -> None:
    """Sets each name of either branch to the join of its two values, in sorted order (joins
    create sequences in order). A name both branches hold the same object under is left as
    it is: most are."""
    # A name only one side holds is unknown on the other.
    changed = [name for name, value in theirs.items() if mine.get(name, _MISSING) is not value]
    changed.extend(name for name in mine.keys() - theirs.keys() if mine[name] is not UNKNOWN_VALUE)
    for name in sorted(changed):
        a, b = theirs.get(name, UNKNOWN_VALUE), mine.get(name, UNKNOWN_VALUE)
        mine[name] = a if a is b else join(a, b, node)


# Argument values a call's memo key can name by what they are: their identity is all a call
# can tell apart beyond that, and the key records which arguments are the same object.
_KEYED_SCALARS = (type(None), bool, int, str)


def _call_key(function: cst.FunctionDef, args: list, keywords: dict, standalone: bool, depth: int,
              repeating: bool, constant_ids: frozenset) -> Optional[tuple]:
    """What a call's evaluation depends on when it changes nothing outside itself (no `self`
    attribute, Sequential or file flag; see the `effects` counts), reads no mutable module
    value and returns nothing known: the function, the arguments, whether it runs on its own,
    the call depth and whether a loop's second pass is running; None when an argument is not
    a scalar literal, unknown or a plain function (a list, a layer, `self` may change or be
    changed). Such a call reaches no list, layer or `self` it did not make itself (a called
    function sees only its arguments and the module), so the lists it fills are its own. The
    module's values and functions are the same at every call after the module level has run;
    `run` forgets the memo when it sets them."""
    parts: list = [id(function), standalone, depth, repeating, len(args)]
    seen: dict[int, int] = {}
    for index, value in enumerate(itertools.chain(args, keywords.values())):
        kind = type(value)
        if value is UNKNOWN_VALUE:
            parts.append(None)
            continue
        if kind is Lit:
            literal = value.value
            literal_kind = type(literal)
            if literal_kind in _KEYED_SCALARS:
                part: object = (literal_kind, literal)
            elif literal_kind is float and literal == literal:  # not NaN, which equals nothing
                part = (float, literal.hex())
            else:
                return None
        elif kind is Func and value.bound_self is None:
            part = id(value.node)
        else:
            return None
        # An argument that is a module value is the very object the function may also read.
        parts.append((part, seen.setdefault(id(value), index), id(value) if id(value) in constant_ids else None))
    parts.extend(keywords)
    return tuple(parts)
