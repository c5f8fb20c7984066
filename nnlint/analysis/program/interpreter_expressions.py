"""Evaluating expressions abstractly: names, attributes, subscripts, literals,
arithmetic, comprehensions and the truth of branch conditions. Records division, log and
sqrt sites and comparisons with NaN on the way.

`ExpressionEvaluator` is a mixin of `Interpreter`: it shares its state, and hands a call
on to `TorchCalls._call_library` or to the interpreter's dispatch (`_call_method`,
`_call_value`).
"""

from __future__ import annotations

import re
from typing import Iterable, Optional

import libcst as cst

from nnlint import catalogue
from nnlint.analysis.program import numerics
from nnlint.analysis.program.exports import is_library_name
from nnlint.analysis.facts import AFFINE, IMPORTED, SQUARE_SUM, SQUARES, ZERO_ABLE, NanComparison, NumericSite, Output
from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.program.literals import literal_value
from nnlint.analysis.program.syntax import _with_subclasses, child_nodes, descendants, string_value
from nnlint.catalogue.functions import (BACKWARD_FUNCTIONS, BACKWARD_METHODS, GRID_FUNCTIONS, NORM_FUNCTIONS, NORM_METHODS,
                                       RANGE_FUNCTIONS)
from nnlint.catalogue.names import EMBEDDING_METHOD, SELECTION_NAME
from nnlint.analysis.program.values import (
    ClassRef,
    Constant,
    DictValue,
    Env,
    FunctionRef,
    Instance,
    LibraryRef,
    ModuleValue,
    SequenceValue,
    ValueSet,
    join,
    outputs_of,
)

_BUILTINS = frozenset({"getattr", "setattr", "enumerate", "zip"})
_NAMED_CONSTANTS = {"True": True, "False": False, "None": None}
# Their value sets, made once: Constant is frozen, and `bias=False` is among the most common
# arguments (a literal's value set is shared between evaluations the same way).
_NAMED_CONSTANT_VALUES = {name: (Constant(value),) for name, value in _NAMED_CONSTANTS.items()}
# Multiplying by a mask or a positive constant keeps what the last operation guaranteed
# (a ReLU output times a 0/1 mask is still non-negative).
_MASK_NAME = re.compile(r"mask", re.IGNORECASE)


class ExpressionEvaluator:
    def _eval(self, node: cst.BaseExpression, env: Env) -> ValueSet:
        # Dispatch on the exact class: isinstance against libcst's ABC-based classes costs
        # more than the evaluation of most nodes (these classes have no subclasses). The
        # tests go in order of how often each class is met (timm: 44% Name, 14% Call, 12%
        # Integer, 10% SimpleString, 5% Attribute).
        kind = type(node)
        if kind is cst.Name:
            name = node.value
            # _lookup's first answers inlined: a local name is most of the 300k names a large
            # corpus evaluates.
            if name in env and name not in _NAMED_CONSTANTS:
                return env[name]
            return self._lookup(name, env)
        if kind is cst.Call:
            return self._eval_call(node, env)
        if kind in _LITERALS:
            # A literal's value, once per node: every round evaluates every default and
            # argument again. Keyed by id(); the node is kept in the entry, so that the id is
            # never that of another node (the table lives as long as this interpreter).
            entry = self._literal_values.get(id(node))
            if entry is not None and entry[0] is node:
                return entry[1]
            values = _literal(node)
            self._literal_values[id(node)] = (node, values)
            return values
        if kind is cst.Attribute:
            return self._eval_attribute(node, env)
        if kind is cst.Subscript:
            return self._eval_subscript(node, env)
        if kind is cst.UnaryOperation and type(node.operator) is cst.Minus \
                and type(node.expression) is cst.Integer:
            # `-1`: remembered like a literal (see above).
            entry = self._literal_values.get(id(node))
            if entry is not None and entry[0] is node:
                return entry[1]
            values = tuple(Constant(-value.value) for value in _integer(node.expression))
            self._literal_values[id(node)] = (node, values)
            return values
        if kind is cst.Tuple or kind is cst.List:
            items = []
            for element in node.elements:
                if type(element) is cst.StarredElement:
                    self._eval(element.value, env)
                    items.append(())
                else:
                    items.append(self._eval(element.value, env))
            return (SequenceValue(tuple(items)),)
        if kind is cst.Dict:
            return self._eval_dict(node, env)
        if kind is cst.BinaryOperation:
            return self._eval_binary(node, env)
        if kind is cst.IfExp:
            truth = self._truth(node.test, env)
            if truth is not None:
                return self._eval(node.body if truth else node.orelse, env)
            return join(self._eval(node.body, env), self._eval(node.orelse, env))
        if kind is cst.ListComp or kind is cst.GeneratorExp or kind is cst.SetComp:
            return self._eval_comprehension(node, env)
        if kind is cst.Lambda:
            return ()
        if kind is cst.Comparison:
            self._check_nan_comparison(node, env)
            return ()
        if kind is cst.NamedExpr:
            values = self._eval(node.value, env)
            self._bind(node.target, values, env)
            return values
        self._eval_children(node, env)
        return ()

    def _truth(self, test: cst.BaseExpression, env: Env) -> Optional[bool]:
        """Whether a branch condition is known: a literal flag, or `self.training`.

        Losses are computed in training mode, so `if self.training: return logits` /
        `else: return probs.softmax(-1)` sends only the logits to the loss; likewise a
        `return_probs=False` flag that no caller sets.
        """
        self._mark_truth_test(test)
        if type(test) is cst.UnaryOperation and type(test.operator) is cst.Not:
            inner = self._truth(test.expression, env)
            return None if inner is None else not inner
        if type(test) is cst.Attribute and test.attr.value == "training" \
                and any(isinstance(value, Instance) for value in self._eval(test.value, env)):
            return True
        if type(test) is cst.Comparison and len(test.comparisons) == 1:
            known = self._comparison_truth(test, env)
            if known is not None:
                return known
        values = self._eval(test, env)
        if len(values) == 1 and isinstance(values[0], Constant) and values[0].value in (True, False, None):
            return bool(values[0].value)
        return None

    def _comparison_truth(self, test: cst.Comparison, env: Env) -> Optional[bool]:
        """`opt == "Adam"`, `name != "softmax"`, `act is not None` on a name whose every
        value is known: a literal of the file, or what every call site of the function
        passes (`fit(model, opt="Adam")`). A parameter of a function no code of the file
        calls holds only its default, which other callers may not pass: not decided."""
        operator = test.comparisons[0].operator
        left, right = test.left, test.comparisons[0].comparator
        if type(left) not in (cst.Name, cst.Attribute):
            return None
        if type(left) is cst.Name and self._uncalled_parameter(left.value):
            return None
        values = self._eval(left, env)
        if not values:
            return None
        if type(operator) in (cst.Is, cst.IsNot) and type(right) is cst.Name and right.value == "None":
            # Only "surely an object": a value set lists the values the interpreter knows, and
            # an unknown alternative (`weights=w` with `w` from anywhere) leaves no trace, so a
            # set of just None does not mean the name is always None.
            if all(isinstance(v, (ModuleValue, LibraryRef, Instance, FunctionRef, ClassRef)) for v in values):
                return type(operator) is cst.IsNot
            return None
        if type(operator) in (cst.Equal, cst.NotEqual) and type(right) in (cst.SimpleString, cst.Integer):
            literal = self._eval(right, env)
            if len(literal) != 1 or not all(isinstance(v, Constant) and isinstance(v.value, (str, int))
                                            and not isinstance(v.value, bool) for v in values):
                return None
            outcomes = {v.value == literal[0].value for v in values}  # type: ignore[union-attr]
            if len(outcomes) != 1:
                return None
            equal = outcomes.pop()
            return equal if type(operator) is cst.Equal else not equal
        return None

    def _uncalled_parameter(self, name: str) -> bool:
        function = self._function
        if function is None or function.called:
            return False
        params = function.node.params
        return any(param.name.value == name for param in (*params.posonly_params, *params.params, *params.kwonly_params))

    def _eval_children(self, node: cst.CSTNode, env: Env) -> None:
        for child in child_nodes(node):
            kind = type(child)  # class sets: isinstance is slow on libcst's ABCs
            if kind in _EXPRESSIONS:
                self._eval(child, env)
            elif kind not in _SUITES_AND_STATEMENTS:
                self._eval_children(child, env)

    def _lookup(self, name: str, env: Env) -> ValueSet:
        if name in _NAMED_CONSTANTS:
            return _NAMED_CONSTANT_VALUES[name]
        if name in env:
            return env[name]
        if name in self.module_env:
            return self.module_env[name]
        if name in self.classes:
            return (ClassRef(self.classes[name]),)
        if name in self._top_functions:
            return (FunctionRef(self._top_functions[name]),)
        if name in self.aliases:
            # `from torch.nn.functional import cross_entropy`, `from torch.nn import Softmax`, handed on
            return _library_reference(self.aliases[name])
        return ()

    def _eval_attribute(self, node: cst.Attribute, env: Env) -> ValueSet:
        qualified = qualified_name(node, self.aliases)
        if qualified is not None:
            # `pred_activation=nn.Softmax`, `self.loss_func = F.cross_entropy`: handed on, called elsewhere.
            return _library_reference(qualified)
        name = node.attr.value
        found: list[ValueSet] = []
        for owner in self._eval(node.value, env):
            if isinstance(owner, Instance):
                method = owner.cls.find_method(name)
                if method is not None:
                    found.append((FunctionRef(method, owner),))
                else:
                    found.append(self._instance_attribute(owner, name))
            elif isinstance(owner, ModuleValue) and name in owner.named:
                found.append(owner.named[name])
        return join(*found)

    def _instance_attribute(self, instance: Instance, name: str) -> ValueSet:
        self._ensure_initialized(instance.cls)
        values = instance.cls.find_attribute(name)
        if not values:
            self._missed_attributes.add((id(instance.cls), name))
        return values

    def _eval_subscript(self, node: cst.Subscript, env: Env) -> ValueSet:
        bases = self._eval(node.value, env)
        keys: ValueSet = ()
        for element in node.slice:
            if type(element.slice) is cst.Index:
                keys = self._eval(element.slice.value, env)
            else:
                self._eval_children(element.slice, env)
        key = keys[0].value if len(keys) == 1 and isinstance(keys[0], Constant) else None
        if type(node.value) is cst.Name and any(output.op in (ZERO_ABLE, SQUARE_SUM) for output in outputs_of(bases)) \
                and self._selected_by_comparison(node, node.value.value):
            # `n[n > eps]`, `n[nonzero]` with `nonzero = n > 1e-12`: the items kept are the ones a
            # comparison of `n` let through, so the zero case is gone.
            return ()
        found: list[ValueSet] = []
        for base in bases:
            if isinstance(base, Output):
                found.append((base.reshaped(),))
            elif isinstance(base, DictValue) and isinstance(key, str):
                found.append(base.get(key))
            elif isinstance(base, SequenceValue) and isinstance(key, int) and not isinstance(key, bool):
                if base.homogeneous:
                    found.append(join(*base.items))
                elif -len(base.items) <= key < len(base.items):
                    found.append(base.items[key])
            elif isinstance(base, ModuleValue) and isinstance(key, int) and -len(base.layers) <= key < len(base.layers):
                found.append(base.layers[key])
        return join(*found)

    def _selects_by_value(self, node: cst.BaseExpression, depth: int = 0) -> bool:
        """`node` picks elements by their values, so its sum is a count that is 0 when none
        qualifies: a comparison (`y == c`, `target != ignore_index`), its negation or
        conjunction, a local variable bound to one (`keep = t > 0` ... `keep.sum()`), or,
        where nothing of it is known, a name like `pos` or `valid` (catalogue SELECTION_NAME).
        A mask handed in (a padding or length mask) is not: every real sequence keeps a token."""
        while type(node) is cst.Call and type(node.func) is cst.Attribute \
                and node.func.attr.value in _CONVERSIONS:
            node = node.func.value
        if type(node) is cst.Comparison:
            # `torch.arange(T) < lengths[:, None]` is a length mask, not a selection.
            operands = (node.left, *(target.comparator for target in node.comparisons))
            return all(isinstance(target.operator, _VALUE_COMPARISONS) for target in node.comparisons) \
                and not any(self._made_from_grid(operand) for operand in operands)
        if type(node) is cst.UnaryOperation and type(node.operator) is cst.BitInvert:
            return self._selects_by_value(node.expression, depth + 1)
        if type(node) is cst.BinaryOperation and type(node.operator) in (cst.BitAnd, cst.BitOr):
            return depth < 4 and (self._selects_by_value(node.left, depth + 1)
                                  or self._selects_by_value(node.right, depth + 1))
        if type(node) is cst.Name:
            assigned = self._local_assignments(node.value)
            if assigned:
                return depth < 4 and any(self._selects_by_value(value, depth + 1) for value in assigned)
            return bool(SELECTION_NAME.search(node.value))
        if type(node) is cst.Attribute:
            return bool(SELECTION_NAME.search(node.attr.value))
        return False

    def _made_from_grid(self, node: cst.BaseExpression, depth: int = 0) -> bool:
        """`node` is computed from an index grid (`torch.arange(T)[None]`, `steps` bound to one)."""
        for current in descendants(node):
            if type(current) is cst.Call and qualified_name(current.func, self.aliases) in GRID_FUNCTIONS:
                return True
            if type(current) is cst.Name and depth < 3 and not _is_attribute_part(current, node) \
                    and any(self._made_from_grid(value, depth + 1) for value in self._local_assignments(current.value)):
                return True
        return False

    def _local_assignments(self, name: str) -> list[cst.BaseExpression]:
        """The values `name = ...` assigns in the function being run (the module's own code at
        top level), each body's assignments collected once: selections are asked about at
        every division of a sum."""
        # One table per body and per interpreter (that is, per file); the body is kept beside
        # its table so that the id is never that of another node.
        tables = self.__dict__.setdefault("_assignment_tables", {})
        body = self._function.node.body if self._function is not None else self.module
        table = tables.get(id(body))
        if table is None:
            table = tables[id(body)] = (body, _names_assigned(descendants(body)))
        return table[1].get(name, [])

    def _selected_by_comparison(self, node: cst.Subscript, name: str) -> bool:
        """`name[...]` indexed by a comparison of `name`, written in place or bound to a local
        variable of the current function (`keep = name > 0` ... `name[keep]`)."""
        if len(node.slice) != 1 or type(node.slice[0].slice) is not cst.Index:
            return False
        index = node.slice[0].slice.value
        if type(index) is cst.Comparison:
            return _compares(index, name)
        if type(index) is not cst.Name or self._function is None:
            return False
        for current in descendants(self._function.node.body):
            if type(current) is cst.Assign and len(current.targets) == 1 \
                    and type(current.targets[0].target) is cst.Name \
                    and current.targets[0].target.value == index.value:
                return type(current.value) is cst.Comparison and _compares(current.value, name)
        return False

    def _eval_dict(self, node: cst.Dict, env: Env) -> ValueSet:
        items = []
        for element in node.elements:
            if type(element) is cst.DictElement:
                key = self._eval(element.key, env)
                values = self._eval(element.value, env)
                if len(key) == 1 and isinstance(key[0], Constant) and isinstance(key[0].value, str):
                    items.append((key[0].value, values))
            else:
                self._eval(element.value, env)
        return (DictValue(tuple(items)),)

    def _check_nan_comparison(self, node: cst.Comparison, env: Env) -> None:
        operands = [node.left, *(target.comparator for target in node.comparisons)]
        scope = id(self._function.node) if self._function else 0
        compared = self._compared.get(scope)
        if compared is None:
            compared = self._compared[scope] = set()
        values = []
        for operand in operands:
            values.append(self._eval(operand, env))
            if type(operand) is cst.Name:
                compared.add(operand.value)
        for index, target in enumerate(node.comparisons):
            if type(target.operator) not in (cst.Equal, cst.NotEqual, cst.Is, cst.IsNot):
                continue
            for side, other, other_values in ((operands[index], operands[index + 1], values[index + 1]),
                                              (operands[index + 1], operands[index], values[index])):
                if numerics.nan_operand(side, qualified_name(side, self.aliases)):
                    negated = type(target.operator) in (cst.NotEqual, cst.IsNot)
                    self.nan_comparisons.append(NanComparison(
                        node, side, negated, other, numerics.operand_kind(other, other_values, self.aliases),
                        id(node) in self._truth_tests))
                    break

    def _mark_truth_test(self, test: cst.BaseExpression) -> None:
        """Remember the condition's parts whose truth alone matters (for NaN comparisons)."""
        pending = [test]
        while pending:
            current = pending.pop()
            self._truth_tests.add(id(current))
            if type(current) is cst.UnaryOperation and type(current.operator) is cst.Not:
                pending.append(current.expression)
            elif type(current) is cst.BooleanOperation:
                pending.extend((current.left, current.right))

    def _record_numeric(self, kind: str, node: cst.CSTNode, operand: cst.BaseExpression, values: ValueSet,
                        spelled: str, autograd: bool = True) -> None:
        function = self._function
        site = NumericSite(kind, node, operand, outputs_of(values), spelled,
                           function=function.name if function else "",
                           in_module=bool(function and function.owner and function.owner.is_module),
                           no_grad=self._no_grad_depth > 0, autograd=autograd)
        self.numeric_sites.append(site)
        self._site_scopes[id(site)] = self._scope_key()
        self._site_in_loop[id(site)] = self._loop_depth > self._loop_base

    def _note_backward(self, node: cst.Call) -> None:
        """`loss.backward()`, `scaler.scale(loss).backward()`, `accelerator.backward(loss)`:
        this scope backpropagates, and so do the helpers that computed the loss variable."""
        scope = self._scope_key()
        self._backward_scopes.add(scope)
        self._backward_loops.setdefault(scope, []).append(self._loop_depth > self._loop_base)
        candidates = [arg.value for arg in node.args]
        receiver = node.func.value if type(node.func) is cst.Attribute else None
        if type(receiver) is cst.Call:
            candidates.extend(arg.value for arg in receiver.args)
        elif receiver is not None:
            candidates.append(receiver)
        for candidate in candidates:
            if type(candidate) is cst.Name:
                self._backward_roots.update(self._assigned_callees.get((scope, candidate.value), ()))

    def _scope_key(self) -> int:
        """The function being run, or 0 for the module's own (script) code."""
        return id(self._function.node) if self._function else 0

    def _eval_binary(self, node: cst.BinaryOperation, env: Env) -> ValueSet:
        left = self._eval(node.left, env)
        right = self._eval(node.right, env)
        if type(node.operator) is cst.Divide:
            guarded = self._normalises_learned_output(node, left, env)
            self._record_numeric("division", node, node.right, () if guarded else right, "/")
        if type(node.operator) is cst.Power and len(right) == 1 and isinstance(right[0], Constant) \
                and right[0].value == 0.5:
            self._record_numeric("sqrt", node, node.left, left, "** 0.5")
        if type(node.operator) is cst.Power and len(right) == 1 and isinstance(right[0], Constant) \
                and right[0].value == 2 and self._cannot_vanish(node.left, env):
            return ()  # (K * data_range) ** 2, (d + eps) ** 2: see _nonvanishing_square
        if numerics.positive_square_sum(node, lambda base: self._is_number(base, env)):
            return ()  # a sum of squares that cannot be 0: as guarded as `x ** 2 + eps`
        zero_tracking = numerics.arithmetic(node, left, right, self._same_sides(node))
        if zero_tracking or type(node.operator) not in (cst.Multiply, cst.Divide):
            return zero_tracking
        kept: list[ValueSet] = []
        for tensor_side, other_side, other_node in ((left, right, node.right), (right, left, node.left)):
            if outputs_of(tensor_side) and _keeps_sign(other_side, other_node):
                kept.append(outputs_of(tensor_side))
            if type(node.operator) is cst.Divide:
                break
        return join(*kept)

    def _same_sides(self, node: cst.BinaryOperation) -> Optional[bool]:
        """For a product, whether both factors are the same code (`x * x`), once per node:
        libcst's deep_equals is slow and every round asks again. None for other operators."""
        if type(node.operator) is not cst.Multiply:
            return None
        memo = self._same_sides_memo
        entry = memo.get(id(node))
        if entry is None or entry[0] is not node:
            # The node is kept in the entry, so that its id is never another node's.
            entry = memo[id(node)] = (node, numerics.same_code(node.left, node.right))
        return entry[1]

    def _is_number(self, node: cst.BaseExpression, env: Env) -> bool:
        """A nonzero Python number: a literal, a name or attribute the interpreter knows as one,
        a parameter of the current function with a nonzero number as default, or `self.x`
        set in the constructor from such a parameter (`self.sigma_data = sigma_data`)."""
        if type(node) in (cst.Integer, cst.Float):
            return _nonzero_number(node)
        if type(node) is cst.BinaryOperation and type(node.operator) in (cst.Multiply, cst.Divide, cst.Power):
            # `K[0] * data_range`, `(k * r) ** 2`: products of hyperparameters are hyperparameters.
            return self._is_number(node.left, env) and self._is_number(node.right, env)
        values = self._eval(node, env) if type(node) in (cst.Name, cst.Attribute, cst.Subscript) else ()
        if values and all(isinstance(v, Constant) and isinstance(v.value, (int, float))
                          and not isinstance(v.value, bool) and v.value != 0 for v in values):
            return True
        function = self._function
        if function is None:
            return False
        if type(node) is cst.Name:
            return _numeric_default(function.node, node.value)
        if type(node) is cst.Attribute and type(node.value) is cst.Name and node.value.value == "self" \
                and function.owner is not None:
            constructor = function.owner.find_method("__init__")
            return constructor is not None and _set_from_number(constructor.node, node.attr.value)
        return False

    def _eval_comprehension(self, node: cst.BaseComp, env: Env) -> ValueSet:
        inner = dict(env)
        clause = node.for_in
        while clause is not None:
            self._bind(clause.target, self._iterate(self._eval(clause.iter, inner)), inner)
            for condition in clause.ifs:
                self._eval(condition.test, inner)
            clause = clause.inner_for_in
        element = self._eval(node.elt, inner)
        return (SequenceValue((element,), homogeneous=True),)

    def _eval_call(self, node: cst.Call, env: Env) -> ValueSet:
        shape = self._call_shapes.get(id(node))
        if shape is None or shape[0] is not node:
            shape = self._call_shapes[id(node)] = (node, qualified_name(node.func, self.aliases), tuple(
                (arg.keyword.value if arg.keyword else None, arg.value, bool(arg.star)) for arg in node.args))
        name = shape[1]
        args = []
        for keyword, value, starred in shape[2]:
            # _eval's first test inlined: most arguments are local names.
            if type(value) is cst.Name and value.value in env and value.value not in _NAMED_CONSTANTS:
                args.append((keyword, env[value.value], starred))
            else:
                args.append((keyword, self._eval(value, env), starred))
        if name in BACKWARD_FUNCTIONS or (name is None and type(node.func) is cst.Attribute
                                          and node.func.attr.value in BACKWARD_METHODS):
            self._note_backward(node)
        if name is not None:
            return self._nonvanishing_square(node, name, self._call_library(name, node, args), env)
        if type(node.func) is cst.Name and node.func.value in _BUILTINS \
                and node.func.value not in env and node.func.value not in self.module_env:
            return self._builtin_call(node.func.value, node, args)
        if type(node.func) is cst.Attribute:
            receivers = self._eval(node.func.value, env)
            found = self._call_method(node, node.func.attr.value, receivers, args)
            return self._nonvanishing_square(node, None, found, env)
        found = [self._call_value(callee, node, args) for callee in self._eval(node.func, env)]
        return join(*found)

    def _normalises_learned_output(self, node: cst.BinaryOperation, left: ValueSet, env: Env) -> bool:
        """`x / x.norm(dim=-1, keepdim=True)` (F.normalize without its eps) where `x` is what a
        network computed: a layer's or a model's output, an encoder's (`self.model.encode_text(t)`,
        `self.proj(h)`). A learned embedding is not exactly 0 in practice (CLIP, SigLIP); a raw
        parameter or a difference (a Gram-Schmidt remainder) can be, and is still checked."""
        right = node.right
        if type(right) is not cst.Call:
            return False
        func = right.func
        if qualified_name(func, self.aliases) in NORM_FUNCTIONS and right.args:
            normed = right.args[0].value
        elif type(func) is cst.Attribute and func.attr.value in NORM_METHODS:
            normed = func.value
        else:
            return False
        if not numerics.same_code(normed, node.left):
            return False
        if any(output.op in (AFFINE, IMPORTED) or output.model is not None for output in outputs_of(left)):
            return True
        if type(node.left) is not cst.Name:
            return False
        assigned = self._last_assignment(node.left.value, node)
        return type(assigned) is cst.Call and self._network_call(assigned, env)

    def _last_assignment(self, name: str, before: cst.CSTNode) -> Optional[cst.BaseExpression]:
        """The value last assigned to `name` in the current scope, textually before `before`."""
        scope = self._function.node.body if self._function else self.module
        found: Optional[cst.BaseExpression] = None
        for current in descendants(scope):
            if current is before:
                return found
            if type(current) is cst.Assign and len(current.targets) == 1 \
                    and type(current.targets[0].target) is cst.Name and current.targets[0].target.value == name \
                    and not any(inner is before for inner in descendants(current.value)):
                found = current.value
        return found

    def _network_call(self, call: cst.Call, env: Env) -> bool:
        """`self.proj(h)` (a submodule called), `model.encode_image(x)`, `clip.get_text_features(t)`."""
        func = call.func
        if type(func) is not cst.Attribute:
            return False
        if EMBEDDING_METHOD.search(func.attr.value):
            return True
        return any(isinstance(value, (ModuleValue, Instance)) for value in self._eval(func, env))

    def _nonvanishing_square(self, node: cst.Call, name: Optional[str], found: ValueSet, env: Env) -> ValueSet:
        """`torch.pow(d + eps, 2)`, `(k * r).square()`: a square of a number, or of a value offset
        by a nonzero number, is 0 only at one exact value (as `F.pairwise_distance` relies on),
        so it is no sum-of-squares hazard; what else the call is stays as found."""
        if name in ("torch.pow", "torch.square"):
            base = node.args[0].value if node.args else None
        elif name is None and type(node.func) is cst.Attribute and node.func.attr.value in ("pow", "square"):
            base = node.func.value
        else:
            return found
        if base is None or not self._cannot_vanish(base, env):
            return found
        return tuple(value for value in found if not (isinstance(value, Output) and value.op == SQUARES))

    def _cannot_vanish(self, base: cst.BaseExpression, env: Env) -> bool:
        """A nonzero number, or `x + c` / `x - c` / `c - x` for a nonzero number `c`."""
        if self._is_number(base, env):
            return True
        return type(base) is cst.BinaryOperation and type(base.operator) in (cst.Add, cst.Subtract) \
            and (self._is_number(base.left, env) or self._is_number(base.right, env))

    def _builtin_call(self, name: str, node: cst.Call, args) -> ValueSet:
        """The builtins that carry layers and library names from one place to another."""
        if name == "setattr":
            if len(args) >= 3:  # `setattr(self, f"fc{i}", layer)` registers the layer
                self._note_registered(args[2][1])
            return ()
        if name == "getattr":
            return self._library_attribute(node, args)
        if any(keyword is not None or starred for keyword, _, starred in args) or not args:
            return ()
        if name == "enumerate":
            # `for i, layer in enumerate(self.layers)`: pairs of an index and an item.
            pair = SequenceValue(((), self._iterate(args[0][1])))
            return (SequenceValue(((pair,),), homogeneous=True),)
        # zip: tuples of one item of each argument.
        items = SequenceValue(tuple(self._iterate(values) for _, values, _ in args))
        return (SequenceValue(((items,),), homogeneous=True),)

    def _library_attribute(self, node: cst.Call, args) -> ValueSet:
        """`getattr(nn, "ReLU")`, `getattr(nn, hparams["type"])`, `getattr(lr_scheduler,
        cfg["method"])`: a library object named by a string the file spells somewhere the
        interpreter can follow (a literal, a dict literal, a parameter default, a caller's
        argument). Each string the value may hold names one alternative."""
        if len(node.args) < 2 or node.args[0].keyword is not None or node.args[1].keyword is not None:
            return ()
        owner = qualified_name(node.args[0].value, self.aliases)
        if owner is None or not is_library_name(owner):
            return ()
        names = args[1][1]
        if not names or not all(isinstance(v, Constant) and isinstance(v.value, str) and v.value.isidentifier()
                                for v in names):
            return ()
        return tuple(LibraryRef(owner + "." + v.value) for v in names)  # type: ignore[union-attr]


def _library_reference(qualified: str) -> ValueSet:
    """A torch name the interpreter models, referred to rather than called: a torch.nn class
    (`nn.Softmax` handed to a builder), a loss or range function (`self.loss_func =
    F.binary_cross_entropy_with_logits`). Calling whatever holds it calls the library name."""
    if catalogue.is_nn_class(qualified) or qualified in catalogue.LOSS_FUNCTIONS or qualified in RANGE_FUNCTIONS:
        return (LibraryRef(qualified),)
    return ()


def _literal(node: cst.BaseExpression) -> ValueSet:
    """The value of an int, float or plain string literal (one of _LITERALS)."""
    kind = type(node)
    if kind is cst.Integer:
        return _integer(node)
    if kind is cst.Float:
        try:
            return (Constant(float(node.value.replace("_", ""))),)
        except ValueError:
            return ()
    text = string_value(node)
    return (Constant(text),) if isinstance(text, str) else ()


_LITERALS = frozenset({cst.Integer, cst.Float, cst.SimpleString})
# Every expression class, and every suite and statement class (isinstance of their bases).
_EXPRESSIONS = _with_subclasses((cst.BaseExpression,))
_SUITES_AND_STATEMENTS = _with_subclasses((cst.BaseSuite, cst.BaseStatement))


def _integer(node: cst.Integer) -> ValueSet:
    try:
        return (Constant(int(node.value.replace("_", ""), 0)),)
    except ValueError:
        return ()


def _keeps_sign(values: ValueSet, node: cst.BaseExpression) -> bool:
    if len(values) == 1 and isinstance(values[0], Constant):
        number = values[0].value
        return isinstance(number, (int, float)) and not isinstance(number, bool) and number > 0
    leaf = node.attr.value if type(node) is cst.Attribute else node.value if type(node) is cst.Name else ""
    return bool(_MASK_NAME.search(leaf))


def _nonzero_number(node: cst.BaseExpression) -> bool:
    if type(node) is cst.UnaryOperation and type(node.operator) is cst.Minus:
        node = node.expression
    if type(node) not in (cst.Integer, cst.Float):
        return False
    try:
        return float(literal_value(node)) != 0
    except (ValueError, OverflowError):
        return False


def _numeric_default(function: cst.FunctionDef, name: str) -> bool:
    """`name` is a parameter of `function` whose default is a nonzero number."""
    params = function.params
    for param in (*params.params, *params.kwonly_params):
        if param.name.value == name:
            return param.default is not None and _nonzero_number(param.default)
    return False


def _set_from_number(constructor: cst.FunctionDef, attribute: str) -> bool:
    """The constructor's only assignment of `self.<attribute>` is a nonzero number or one of its
    parameters with such a default."""
    assigned = []
    for statement in constructor.body.body:
        if type(statement) is not cst.SimpleStatementLine:
            continue
        for small in statement.body:
            if type(small) is cst.Assign and len(small.targets) == 1:
                target = small.targets[0].target
                if type(target) is cst.Attribute and target.attr.value == attribute \
                        and type(target.value) is cst.Name and target.value.value == "self":
                    assigned.append(small.value)
    if len(assigned) != 1:
        return False
    value = assigned[0]
    if type(value) is cst.Name:
        return _numeric_default(constructor, value.value)
    return _nonzero_number(value)


def _names_assigned(nodes: Iterable[cst.CSTNode]) -> dict[str, list[cst.BaseExpression]]:
    """`name -> [values]` of the single-target `name = value` statements among `nodes`."""
    found: dict[str, list[cst.BaseExpression]] = {}
    for current in nodes:
        if type(current) is cst.Assign and len(current.targets) == 1 \
                and type(current.targets[0].target) is cst.Name:
            found.setdefault(current.targets[0].target.value, []).append(current.value)
    return found

# Calls that change only a tensor's dtype or device: `(y == c).float()` still counts.
_CONVERSIONS = frozenset({"float", "long", "int", "bool", "double", "half", "to", "type", "type_as"})
# Comparisons of values (not `is`, `in`): elementwise on tensors, a selection.
_VALUE_COMPARISONS = (cst.Equal, cst.NotEqual, cst.LessThan, cst.LessThanEqual, cst.GreaterThan,
                      cst.GreaterThanEqual)


def _is_attribute_part(name: cst.Name, root: cst.BaseExpression) -> bool:
    """`name` is the attribute of an `x.name` under `root` (`size` of `logps.size(1)`)."""
    return any(type(current) is cst.Attribute and current.attr is name for current in descendants(root))


def _compares(comparison: cst.Comparison, name: str) -> bool:
    """One operand of `comparison` is the bare name `name`."""
    return any(type(operand) is cst.Name and operand.value == name
               for operand in (comparison.left, *(target.comparator for target in comparison.comparisons)))
