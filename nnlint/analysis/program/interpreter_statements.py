"""Running statements abstractly: assignments and binding, branches, loops, `with`,
`try`, returns, and nested definitions met on the way.

`StatementRunner` is a mixin of `Interpreter`: it shares its state and evaluates
expressions through it. `_exec_block`, `_exec`, `_exec_small` and `_exec_branches` return
True when what they ran surely ends the enclosing block (a return, raise, break or
continue on every path), so that what follows is not run.
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence, Union

import libcst as cst

from nnlint.analysis.program import walk_count

from nnlint import catalogue
from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.program.syntax import _with_subclasses, child_nodes, descendants_of_types, string_value
from nnlint.analysis.program.values import (
    ClassInfo,
    ClassRef,
    DictValue,
    Env,
    FunctionInfo,
    FunctionRef,
    Instance,
    ModuleValue,
    SequenceValue,
    ValueSet,
    join,
)
from nnlint.catalogue.functions import NO_GRAD_CONTEXTS
from nnlint.catalogue.layers import LIST, SEQUENTIAL

# Longer containers of layers are iterated as one merged value rather than unrolled.
_MAX_UNROLLED = 32
# Every class of simple statement, for dispatch on the exact class (see _exec).
_SMALL_STATEMENTS = _with_subclasses((cst.BaseSmallStatement,))
# Simple statements that neither compute a value nor end the block.
_INERT_STATEMENTS = _with_subclasses((cst.Import, cst.ImportFrom, cst.Pass, cst.Global, cst.Nonlocal))
_EXPRESSIONS = _with_subclasses((cst.BaseExpression,))
# What a statement the runner does not know may nest that is run as statements.
_NESTED_CODE = _with_subclasses((cst.BaseSuite, cst.BaseCompoundStatement, cst.SimpleStatementLine))


class StatementRunner:
    def _exec_block(self, statements: Iterable[cst.CSTNode], env: Env) -> bool:
        """Run statements in order; True if the block ends in a return/raise/break that
        every path reaches, so that what follows it does not run (`if flag: return probs`
        then `return logits` returns one or the other, not both)."""
        if walk_count.COUNTER is not None:  # a development measurement, off by default
            walk_count.COUNTER.visited_statements(len(statements) if isinstance(statements, (list, tuple)) else 0)
        for statement in statements:
            if self._exec(statement, env):
                return True
        return False

    def _exec(self, statement: cst.CSTNode, env: Env) -> bool:
        # Exact classes, not isinstance: libcst's ABC-based isinstance costs more than most
        # statements (none of these classes has subclasses; _SMALL_STATEMENTS lists them all).
        kind = type(statement)
        if kind is cst.SimpleStatementLine:
            for small in statement.body:
                if self._exec_small(small, env):
                    return True
            return False
        if kind in _SMALL_STATEMENTS:
            return self._exec_small(statement, env)
        if kind is cst.If:
            truth = self._truth(statement.test, env)
            if truth is None:
                self._undecided_branches += 1
                try:
                    return self._exec_branches([statement.body.body, else_body(statement.orelse)], env, keep_entry=False)
                finally:
                    self._undecided_branches -= 1
            return self._exec_block(statement.body.body if truth else else_body(statement.orelse), env)
        if kind is cst.With:
            no_grad = any(self._disables_grad(item.item) for item in statement.items)
            for item in statement.items:
                values = self._eval(item.item, env)
                if item.asname is not None:
                    self._bind(item.asname.name, values, env)
            self._no_grad_depth += no_grad
            try:
                return self._exec_block(statement.body.body, env)
            finally:
                self._no_grad_depth -= no_grad
        self._exec_other(statement, env)
        return False

    def _exec_loop_body(self, body: Sequence[cst.BaseStatement], env: Env) -> None:
        self._loop_depth += 1
        try:
            self._exec_block(body, env)
        finally:
            self._loop_depth -= 1

    def _exec_other(self, statement: cst.CSTNode, env: Env) -> None:
        """Statements that never end the enclosing block for sure (a loop may not run)."""
        kind = type(statement)  # exact classes: see _exec
        if kind is cst.For:
            iterated = self._eval(statement.iter, env)
            layers = _known_layers(iterated)
            if layers is not None:
                # `for layer in self.layers: x = layer(x)` applies the layers in order:
                # unrolled, what comes out is the last layer's output, not any layer's.
                for layer in layers:
                    self._bind(statement.target, layer, env)
                    self._exec_loop_body(statement.body.body, env)
            else:
                body_env = Branch(env)
                self._bind(statement.target, self._iterate(iterated), body_env)
                self._exec_loop_body(statement.body.body, body_env)
                _merge_into(env, [env, body_env])
                if type(statement.target) is cst.Name and _calls_name(statement.body.body, statement.target.value):
                    # `for layer in list(self.modules())[-3:]: x = layer(x)`: layers nnlint
                    # cannot list, applied in turn. What comes out is the last one's output,
                    # unknown; not what went in, since a model's layer loop runs.
                    for name in body_env.written:
                        if not body_env[name]:
                            env[name] = ()
            if statement.orelse is not None:
                self._exec_block(statement.orelse.body.body, env)
        elif kind is cst.While:
            self._mark_truth_test(statement.test)
            self._eval(statement.test, env)
            body_env = Branch(env)
            self._exec_loop_body(statement.body.body, body_env)
            _merge_into(env, [env, body_env])
            if statement.orelse is not None:
                self._exec_block(statement.orelse.body.body, env)
        elif kind is cst.Try:
            self._exec_block(statement.body.body, env)
            handlers = [handler.body.body for handler in statement.handlers]
            if statement.orelse is not None:
                handlers.append(statement.orelse.body.body)
            self._exec_branches(handlers, env, keep_entry=True)
            if statement.finalbody is not None:
                self._exec_block(statement.finalbody.body.body, env)
        elif kind is cst.FunctionDef:
            function = self._nested_function(statement, env)
            env[statement.name.value] = (FunctionRef(function),)
        elif kind is cst.ClassDef:
            cls = self.classes.get(statement.name.value)
            if cls is None or cls.node is not statement:
                cls = self._register_class(statement)
            self._exec_class_body(cls)
            env[statement.name.value] = (ClassRef(cls),)
        elif kind is cst.Match:
            self._eval(statement.subject, env)
            self._exec_branches([case.body.body for case in statement.cases], env, keep_entry=True)
        else:
            for child in child_nodes(statement):
                if type(child) in _EXPRESSIONS:
                    self._eval(child, env)
                elif type(child) in _NESTED_CODE:
                    self._exec(child, env)

    def _exec_class_body(self, cls: ClassInfo) -> None:
        """Class attributes (`criterion = nn.CrossEntropyLoss()` in the class body) are
        attributes of every instance."""
        class_env: Env = {}
        for statement in cls.node.body.body:
            if type(statement) is cst.SimpleStatementLine:
                self._exec(statement, class_env)
        for name, values in class_env.items():
            if values and name not in cls.attributes:
                cls.attributes[name] = values

    def _disables_grad(self, expression: cst.BaseExpression) -> bool:
        """`torch.no_grad()`, `torch.inference_mode()`, with or without the call."""
        if type(expression) is cst.Call:
            expression = expression.func
        return qualified_name(expression, self.aliases) in NO_GRAD_CONTEXTS

    def _nested_function(self, node: cst.FunctionDef, env: Env) -> FunctionInfo:
        # By node id, not a scan of self.functions: a file of thousands of functions ran
        # this scan for each of them, every round.
        function = self._function_of_node.get(id(node))
        if function is not None:
            function.closure = env
            return function
        function = FunctionInfo(node, closure=env)
        self._add_function(function)
        return function

    def _exec_branches(self, bodies: list[Sequence[cst.CSTNode]], env: Env, keep_entry: bool) -> bool:
        """Run alternative bodies from the same state; merge the ones that fall through.
        True if none does (every branch returns or raises)."""
        results = []
        for body in bodies:
            branch = Branch(env)
            if not self._exec_block(body, branch):
                results.append(branch)
        if keep_entry or len(bodies) < 2:
            results.append(Branch(env))
        if not results:
            return True
        _merge_into(env, results)
        return False

    def _exec_small(self, small: cst.BaseSmallStatement, env: Env) -> bool:
        """Run one simple statement; True if it ends the block (return, raise, break...)."""
        kind = type(small)  # exact classes: see _exec
        if kind is cst.Assign:
            values = self._eval_noting_callees(small, env)
            for target in small.targets:
                self._bind(target.target, values, env)
        elif kind is cst.Expr:
            if not self._update_dict_variable(small.value, env) and not self._grow_known_list(small.value, env):
                self._eval(small.value, env)
                self._forget_mutated_list(small.value, env)
                self._grow_attribute_list(small.value, env)
        elif kind is cst.Return:
            values = self._eval_noting_callees(small, env) if small.value is not None else ()
            if self._returns is not None:
                self._returns.append(values)
            return True
        elif kind is cst.AnnAssign:
            if small.value is not None:
                self._bind(small.target, self._eval(small.value, env), env)
        elif kind is cst.AugAssign:
            values = self._eval_noting_callees(small, env)
            if type(small.operator) is cst.DivideAssign:
                self._record_numeric("division", small, small.value, values, "/=")
            extended = _extended_list(self._eval(small.target, env), values) \
                if type(small.operator) is cst.AddAssign and type(small.target) is cst.Name else ()
            self._bind(small.target, extended, env)
        elif kind is cst.Assert:
            self._mark_truth_test(small.test)
            self._eval(small.test, env)
            if small.msg is not None:
                self._eval(small.msg, env)
        elif kind is cst.Break or kind is cst.Continue:
            return True
        elif kind in _INERT_STATEMENTS:
            return False
        else:
            for child in child_nodes(small):
                if type(child) in _EXPRESSIONS:
                    self._eval(child, env)
            return kind is cst.Raise
        return False

    def _eval_noting_callees(self, statement: Union[cst.Assign, cst.AugAssign, cst.Return], env: Env) -> ValueSet:
        """Evaluate an assigned (or returned) value, noting the file's functions it calls
        directly: a loss computed by a helper is followed into it when the variable is
        backpropagated (see _note_backward)."""
        outer = self._collecting
        scope = id(self._function.node) if self._function else 0  # _scope_key inlined
        self._collecting = (scope, set())
        try:
            return self._eval(statement.value, env)
        finally:
            called = self._collecting[1]
            self._collecting = outer
            if called:
                # The targets only now: most values call none of the file's functions.
                kind = type(statement)
                if kind is cst.Return:
                    self._returned_callees.setdefault(scope, set()).update(called)
                else:
                    targets = [t.target for t in statement.targets] if kind is cst.Assign else [statement.target]
                    for target in targets:
                        if type(target) is cst.Name:
                            self._assigned_callees.setdefault((scope, target.value), set()).update(called)

    def _bind(self, target: cst.BaseExpression, values: ValueSet, env: Env) -> None:
        kind = type(target)  # exact classes: see _exec
        if kind is cst.Name:
            env[target.value] = values
        elif kind is cst.Tuple or kind is cst.List:
            elements = [element.value for element in target.elements]
            sequences = [v for v in values if isinstance(v, SequenceValue) and len(v.items) == len(elements)
                         and not v.homogeneous]
            for index, element in enumerate(elements):
                if type(element) is cst.StarredElement:
                    self._bind(element.value, (), env)
                    continue
                self._bind(element, join(*(seq.items[index] for seq in sequences)), env)
        elif kind is cst.Attribute:
            owners = self._eval(target.value, env)
            for owner in owners:
                if isinstance(owner, Instance):
                    name = target.attr.value
                    old = owner.cls.attributes.get(name, ())
                    merged = join(old, values)
                    if merged != old:
                        owner.cls.attributes[name] = merged
                        if old or (id(owner.cls), name) in self._missed_attributes:
                            self._changed = True
        elif kind is cst.Subscript:
            self._eval(target.value, env)
            if _replaces_selected_items(target) and type(target.value) is cst.Name:
                # `n[n == 0] = 1`: the items a comparison selected are overwritten, so what is
                # known of `n` (zero-able, a probability) no longer holds.
                env[target.value.value] = ()
                return
            self._store_dict_item(target, values, env)
        elif kind is cst.StarredElement:
            self._bind(target.value, (), env)

    def _update_dict_variable(self, call: cst.BaseExpression, env: Env) -> bool:
        """`output.update(head(x))` on a variable holding a dict: the variable now holds both
        (detection heads commonly return dicts that the model merges). False when the
        statement is something else and still has to be run."""
        if not (type(call) is cst.Call and type(call.func) is cst.Attribute
                and call.func.attr.value == "update" and type(call.func.value) is cst.Name
                and len(call.args) == 1 and call.args[0].keyword is None and not call.args[0].star):
            return False
        name = call.func.value.value
        current = [value for value in self._visible(name, env) if isinstance(value, DictValue)]
        if len(current) != 1:
            return False
        added = [value for value in self._eval(call.args[0].value, env) if isinstance(value, DictValue)]
        if len(added) == 1:
            keys = {key for key, _ in added[0].items}
            kept = tuple(item for item in current[0].items if item[0] not in keys)
            env[name] = (DictValue(kept + added[0].items),)
        return True

    def _visible(self, name: str, env: Env) -> ValueSet:
        """A variable's values as the code sees them: a function's env holds its own names
        only, the module's are read through (see _analyze_function)."""
        return env[name] if name in env else self.module_env.get(name, ())

    def _forget_mutated_list(self, call: cst.BaseExpression, env: Env) -> None:
        """`layers.append(head)` after `layers = [stem]`: the list's items, and above all its
        last one, are no longer the ones first assigned (U-Net builds its ModuleList so)."""
        if type(call) is cst.Call and type(call.func) is cst.Attribute \
                and call.func.attr.value in ("append", "extend", "insert", "pop", "reverse") \
                and type(call.func.value) is cst.Name \
                and any(isinstance(value, SequenceValue) for value in self._visible(call.func.value.value, env)):
            env[call.func.value.value] = ()

    def _grow_known_list(self, call: cst.BaseExpression, env: Env) -> bool:
        """`layers.append(nn.ReLU())` / `layers.extend([...])` outside loops, on a variable holding
        one list whose items are known: the list with the new items at its end (a block factory's
        `if with_relu: layers.append(...)`). False when the call is not such a statement."""
        if self._loop_depth or type(call) is not cst.Call or type(call.func) is not cst.Attribute \
                or call.func.attr.value not in ("append", "extend") or type(call.func.value) is not cst.Name \
                or len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
            return False
        name = call.func.value.value
        current = env.get(name, ())
        if len(current) != 1 or not isinstance(current[0], SequenceValue) or current[0].homogeneous:
            return False
        added = self._eval(call.args[0].value, env)
        if call.func.attr.value == "append":
            env[name] = (SequenceValue(current[0].items + (added,)),)
        elif len(added) == 1 and isinstance(added[0], SequenceValue) and not added[0].homogeneous:
            env[name] = (SequenceValue(current[0].items + added[0].items),)
        else:
            env[name] = ()
        return True

    def _grow_attribute_list(self, call: cst.BaseExpression, env: Env) -> None:
        """`self.layers.append(nn.Linear(...))` (in a loop or not), `self.layers.extend(...)`,
        `self.layers.insert(0, ...)` on an attribute holding a list: the attribute also holds a
        list of what was added. In no order (it is an attribute, assigned and grown anywhere),
        so it is kept as a comprehension-like list (homogeneous)."""
        if not (type(call) is cst.Call and type(call.func) is cst.Attribute
                and call.func.attr.value in ("append", "extend", "insert")
                and type(call.func.value) is cst.Attribute and call.args):
            return
        holder = call.func.value
        owners = [owner for owner in self._eval(holder.value, env) if isinstance(owner, Instance)]
        if not owners:
            return
        added = self._eval(call.args[-1].value, env)
        if call.func.attr.value == "extend":
            added = self._iterate(added)
        if not added:
            return
        grown = (SequenceValue((added,), homogeneous=True),)
        name = holder.attr.value
        for owner in owners:
            old = owner.cls.attributes.get(name, ())
            if not any(isinstance(value, SequenceValue) for value in old):
                continue
            merged = join(old, grown)
            if merged != old:
                owner.cls.attributes[name] = merged
                self._changed = True

    def _store_dict_item(self, target: cst.Subscript, values: ValueSet, env: Env) -> None:
        """`output["probs"] = x.softmax(-1)` on a variable holding one known dict."""
        if type(target.value) is not cst.Name or len(target.slice) != 1:
            return
        index = target.slice[0].slice
        if not (type(index) is cst.Index and type(index.value) is cst.SimpleString):
            return
        key = string_value(index.value)
        current = [value for value in self._visible(target.value.value, env) if isinstance(value, DictValue)]
        if isinstance(key, str) and len(current) == 1:
            kept = tuple(item for item in current[0].items if item[0] != key)
            env[target.value.value] = (DictValue(kept + ((key, values),)),)

    def _iterate(self, values: ValueSet) -> ValueSet:
        items: list[ValueSet] = []
        for value in values:
            if isinstance(value, SequenceValue):
                items.extend(value.items)
            elif isinstance(value, ModuleValue) and _is_layer_list(value.qualname):
                items.extend(value.layers)
        return join(*items)


def _known_layers(values: ValueSet) -> Optional[list[ValueSet]]:
    """The items of a single known, short container of layers, in order, or None."""
    if len(values) != 1:
        return None
    value = values[0]
    if isinstance(value, ModuleValue) and _is_layer_list(value.qualname):
        items = value.layers
    elif isinstance(value, SequenceValue) and not value.homogeneous:
        items = list(value.items)
    else:
        return None
    if not items or len(items) > _MAX_UNROLLED or not all(items):
        return None
    return items


def else_body(orelse: Optional[Union[cst.If, cst.Else]]) -> Sequence[cst.CSTNode]:
    """The statements of an `if`'s `elif` or `else` part; an `elif` is one `if` statement."""
    if orelse is None:
        return ()
    if type(orelse) is cst.If:
        return (orelse,)
    return orelse.body.body


class Branch(dict):  # type: ignore[type-arg]
    """A copy of an env for one branch or loop body, which remembers the names it writes:
    merging the branches back then joins only those, not every name of the scope (a module
    of thousands of names and hundreds of `if` blocks made that quadratic)."""

    def __init__(self, base: Env) -> None:
        super().__init__(base)
        self.written: set[str] = set()

    def __setitem__(self, name: str, values: ValueSet) -> None:
        self.written.add(name)
        super().__setitem__(name, values)


def _calls_name(body: Sequence[cst.CSTNode], name: str) -> bool:
    """Whether the statements call `name` itself (`layer(x)`) anywhere."""
    return any(type(call.func) is cst.Name and call.func.value == name
               for statement in body for call in descendants_of_types(statement, (cst.Call,)))


def _merge_into(env: Env, branches: list[Env]) -> None:
    """Join the branches' values into `env`, of which each branch is a copy (or `env` itself):
    only a name some branch wrote can differ."""
    names = set().union(*(branch.written if isinstance(branch, Branch) else branch
                          for branch in branches if branch is not env))
    for name in names:
        env[name] = join(*(branch.get(name, ()) for branch in branches))


def _is_layer_list(qualified: str) -> bool:
    """nn.Sequential and nn.ModuleList: containers whose layers are appended and iterated."""
    known = catalogue.nn_layer(qualified)
    return known is not None and known.container in (SEQUENTIAL, LIST)


def _replaces_selected_items(target: cst.Subscript) -> bool:
    """`n[n == 0]`, `d[d < eps]`, `x[mask]` written as a comparison of the same name."""
    if len(target.slice) != 1 or type(target.slice[0].slice) is not cst.Index:
        return False
    index = target.slice[0].slice.value
    return type(index) is cst.Comparison and type(target.value) is cst.Name \
        and any(type(node) is cst.Name and node.value == target.value.value
                for node in (index.left, *(c.comparator for c in index.comparisons)))


def _extended_list(current: ValueSet, added: ValueSet) -> ValueSet:
    """`layers += [conv, norm]` on a list whose items are known: the longer list."""
    if len(current) == 1 and len(added) == 1 and isinstance(current[0], SequenceValue) \
            and isinstance(added[0], SequenceValue) and not current[0].homogeneous and not added[0].homogeneous:
        return (SequenceValue(current[0].items + added[0].items),)
    return ()
