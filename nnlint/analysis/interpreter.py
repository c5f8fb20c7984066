"""An abstract interpreter over one file: which tensors reach which losses.

It runs every statement of the module and of every function once per round, tracking
abstract values (see `values.py`): torch modules built in the file, instances of the
file's own `nn.Module` classes, and for tensors only their last range-setting operation
(`Output`). Calls into the file's own functions pass values across: parameters take the
union of what their call sites pass, which takes a few rounds to settle (a function may
be analysed before its callers). Nothing of the linted code is imported or run.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Optional, Sequence

import libcst as cst

from nnlint.analysis import numerics
from nnlint.analysis import torch_api as api
from nnlint.analysis.call_arguments import Arguments
from nnlint.analysis.facts import (
    FileFacts,
    LossCall,
    ModelFacts,
    NanComparison,
    NormalizerSite,
    NumericSite,
    Output,
)
from nnlint.analysis.imports import collect_imports, qualified_name
from nnlint.analysis.interpreter_statements import StatementRunner, else_body
from nnlint.analysis.interpreter_torch_calls import TorchCalls
from nnlint.analysis.syntax import child_nodes
from nnlint.analysis.values import (
    ClassInfo,
    ClassRef,
    Constant,
    DictValue,
    Env,
    FunctionInfo,
    FunctionRef,
    Instance,
    ModuleValue,
    SequenceValue,
    ValueSet,
    join,
    outputs_of,
    through_model,
)

_MAX_ROUNDS = 3
_NAMED_CONSTANTS = {"True": True, "False": False, "None": None}
# Multiplying by a mask or a positive constant keeps what the last operation guaranteed
# (a ReLU output times a 0/1 mask is still non-negative).
_MASK_NAME = re.compile(r"mask", re.IGNORECASE)
# A training function's `model` parameter, when the file defines exactly one model.
_MODEL_PARAMETER = re.compile(r"^(model|net|network|classifier|regressor)$|_model$|_net$")


class Interpreter(StatementRunner, TorchCalls):
    def __init__(self, module: cst.Module, path: str) -> None:
        self.module = module
        self.path = path
        self.aliases = collect_imports(module)
        self.classes: dict[str, ClassInfo] = {}
        self.functions: list[FunctionInfo] = []
        self.module_env: Env = {}
        self._top_functions: dict[str, FunctionInfo] = {}
        self._module_values: dict[int, ModuleValue] = {}
        # Attributes read before any assignment was seen: assigning one later in the
        # round means the readers must be analysed again.
        self._missed_attributes: set[tuple[int, str]] = set()
        self._flagged_returns: dict[object, ValueSet] = {}
        self._applying: set[int] = set()
        self._changed = False
        self._analyzed: set[int] = set()
        self._in_progress: set[int] = set()
        self._returns: Optional[list[ValueSet]] = None
        self._function: Optional[FunctionInfo] = None
        self._no_grad_depth = 0
        # Names compared anywhere in a function (`if n > 0`), keyed by id of the function.
        self._compared: dict[int, set[str]] = {}
        self._reset_facts()

    # ----------------------------------------------------------------- driver

    def _reset_facts(self) -> None:
        self.loss_calls: list[LossCall] = []
        self.normalizers: list[NormalizerSite] = []
        self.one_unit_softmaxes: list[Output] = []
        self.numeric_sites: list[NumericSite] = []
        self.nan_comparisons: list[NanComparison] = []
        self._compared = {}
        self._site_scopes: dict[int, int] = {}

    def run(self) -> FileFacts:
        self._register_definitions(self.module.body, owner_env=None)
        for _ in range(_MAX_ROUNDS):
            self._changed = False
            self._analyzed = set()
            self._reset_facts()
            self.module_env = {}
            self._exec_block(self.module.body, self.module_env)
            for function in list(self.functions):
                self._analyze_function(function)
            if not self._changed:
                break
        return self._facts()

    def partial_facts(self) -> FileFacts:
        """What has been gathered so far, for when a run had to stop early."""
        return self._facts()

    def _facts(self) -> FileFacts:
        models = {}
        for cls in self.classes.values():
            if not cls.is_module:
                continue
            forward = cls.find_method("forward")
            layers = {
                name: value.short_name
                for name, values in cls.attributes.items()
                for value in values
                if isinstance(value, ModuleValue)
            }
            models[cls.name] = ModelFacts(
                cls.name, cls.node, layers, outputs_of(forward.returns) if forward else ()
            )
        return FileFacts(
            path=self.path,
            module=self.module,
            imports=self.aliases,
            models=models,
            loss_calls=_unique(self.loss_calls, key=lambda call: id(call.node)),
            normalizers=_unique(self.normalizers, key=lambda site: id(site.node)),
            one_unit_softmaxes=_unique(self.one_unit_softmaxes, key=lambda out: id(out.node)),
            numeric_sites=[
                dataclasses.replace(site, compared=isinstance(site.operand, cst.Name)
                                    and site.operand.value in self._compared.get(self._site_scopes[id(site)], ()))
                for site in _unique(self.numeric_sites, key=lambda site: (site.kind, id(site.node)))
            ],
            nan_comparisons=_unique(self.nan_comparisons, key=lambda found: id(found.node)),
        )

    # ------------------------------------------------------------ definitions

    def _register_definitions(self, body: Sequence[cst.CSTNode], owner_env: Optional[Env]) -> None:
        for statement in body:
            if isinstance(statement, cst.ClassDef):
                self._register_class(statement)
            elif isinstance(statement, cst.FunctionDef):
                function = FunctionInfo(statement, closure=owner_env)
                self.functions.append(function)
                self._top_functions.setdefault(function.name, function)
            elif isinstance(statement, (cst.If, cst.Try)):
                # `if TYPE_CHECKING:` / `try: ... except ImportError:` around definitions.
                self._register_definitions(_child_statements(statement), owner_env)

    def _register_class(self, node: cst.ClassDef) -> ClassInfo:
        bases: list[ClassInfo] = []
        is_module = False
        for arg in node.bases:
            name = qualified_name(arg.value, self.aliases)
            if name in api.MODULE_BASES or (name or "").endswith("LightningModule"):
                is_module = True
            elif isinstance(arg.value, cst.Name) and arg.value.value in self.classes:
                base = self.classes[arg.value.value]
                bases.append(base)
                is_module = is_module or base.is_module
        cls = ClassInfo(node, is_module, bases)
        self.classes[cls.name] = cls
        for statement in node.body.body:
            if isinstance(statement, cst.FunctionDef):
                function = FunctionInfo(statement, owner=cls)
                cls.methods[function.name] = function
                self.functions.append(function)
        return cls

    # -------------------------------------------------------------- functions

    def _analyze_function(self, function: FunctionInfo, flags: Optional[Env] = None) -> ValueSet:
        """Run a function's body once per round and return what it returns.

        `flags` are literal arguments of one call site (`return_probs=True`): the body is
        then run once more for that combination, so that a branch the flag turns off at
        the training call does not count there.
        """
        key: object = id(function) if not flags else (id(function), tuple(sorted(flags.items())))
        if key in self._analyzed or key in self._in_progress:
            return function.returns if not flags else self._flagged_returns.get(key, ())
        self._in_progress.add(key)
        outer_returns, outer_function, outer_no_grad = self._returns, self._function, self._no_grad_depth
        self._returns, self._function = [], function
        self._no_grad_depth = int(any(self._disables_grad(d.decorator) for d in function.node.decorators))
        try:
            env: Env = dict(function.closure or {})
            self._bind_parameters(function, env)
            env.update(flags or {})
            self._exec_block(function.node.body.body, env)
            returns = join(*self._returns)
        finally:
            self._returns, self._function, self._no_grad_depth = outer_returns, outer_function, outer_no_grad
            self._in_progress.discard(key)
            self._analyzed.add(key)
        if flags:
            self._flagged_returns[key] = returns
        else:
            function.returns = returns
        return returns

    def _bind_parameters(self, function: FunctionInfo, env: Env) -> None:
        params = function.node.params
        positional = [*params.posonly_params, *params.params]
        for index, param in enumerate([*positional, *params.kwonly_params]):
            name = param.name.value
            if index == 0 and function.is_method and param in positional:
                env[name] = (Instance(function.owner),) if function.owner else ()
                continue
            if function.bindings.get(name):
                env[name] = function.bindings[name]
            elif not function.called and param.default is not None:
                env[name] = self._eval(param.default, self.module_env)
            elif not function.called and _MODEL_PARAMETER.search(name):
                env[name] = self._sole_model()
            else:
                env[name] = numerics.parameter_value(param)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                env[star.name.value] = ()

    def _sole_model(self) -> ValueSet:
        models = [
            cls for cls in self.classes.values()
            if cls.is_module and cls.find_method("forward") and "loss" not in cls.name.lower()
        ]
        return (Instance(models[0]),) if len(models) == 1 else ()

    def _call_function(self, function: FunctionInfo, call: cst.Call, args: Arguments,
                       bound_to: Optional[Instance]) -> ValueSet:
        provided = self._record_bindings(function, args, skip_first=function.is_method)
        if function.owner is not None and bound_to is not None:
            self._ensure_initialized(function.owner)
        flags = {
            name: values for name, values in provided.items()
            if len(values) == 1 and isinstance(values[0], Constant) and values[0].value in (True, False, None)
        }
        if flags and any(function.bindings.get(name) != values for name, values in flags.items()):
            return self._analyze_function(function, flags)
        return self._analyze_function(function)

    def _record_bindings(self, function: FunctionInfo, args: Arguments, skip_first: bool) -> Env:
        """Add one call's arguments to the function's parameter bindings; return them."""
        params = function.node.params
        positional = [*params.posonly_params, *params.params]
        if skip_first:
            positional = positional[1:]
        by_name = {param.name.value: param for param in [*positional, *params.kwonly_params]}
        provided: dict[str, ValueSet] = {}
        if any(starred for _, _, starred in args):
            provided = {name: () for name in by_name}
        else:
            index = 0
            for keyword, values, _ in args:
                if keyword is None:
                    if index < len(positional):
                        provided[positional[index].name.value] = values
                    index += 1
                elif keyword in by_name:
                    provided[keyword] = values
        first_call = not function.called
        function.called = True
        changed = False
        for name, param in by_name.items():
            if name in provided:
                values = provided[name]
            elif param.default is not None:
                values = self._eval(param.default, self.module_env)
                provided[name] = values
            else:
                values = ()
            old = function.bindings.get(name, ())
            new = join(old, values)
            if new != old:
                function.bindings[name] = new
                changed = True
        # A function not analysed yet in this round will see the new bindings anyway; one
        # analysed already (with defaults, or fewer callers) needs another round.
        if (changed or first_call) and id(function) in self._analyzed:
            self._changed = True
        return provided

    def _ensure_initialized(self, cls: ClassInfo) -> None:
        for base in cls.lineage():
            init = base.methods.get("__init__")
            if init is not None:
                self._analyze_function(init)

    # ------------------------------------------------------------ expressions

    def _eval(self, node: cst.BaseExpression, env: Env) -> ValueSet:
        if isinstance(node, cst.Name):
            return self._lookup(node.value, env)
        if isinstance(node, cst.Call):
            return self._eval_call(node, env)
        if isinstance(node, cst.Attribute):
            return self._eval_attribute(node, env)
        if isinstance(node, cst.Subscript):
            return self._eval_subscript(node, env)
        if isinstance(node, cst.Integer):
            return _integer(node)
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus) \
                and isinstance(node.expression, cst.Integer):
            return tuple(Constant(-value.value) for value in _integer(node.expression))
        if isinstance(node, cst.Float):
            try:
                return (Constant(float(node.value.replace("_", ""))),)
            except ValueError:
                return ()
        if isinstance(node, cst.SimpleString):
            return (Constant(node.evaluated_value),) if isinstance(node.evaluated_value, str) else ()
        if isinstance(node, (cst.Tuple, cst.List)):
            items = []
            for element in node.elements:
                if isinstance(element, cst.StarredElement):
                    self._eval(element.value, env)
                    items.append(())
                else:
                    items.append(self._eval(element.value, env))
            return (SequenceValue(tuple(items)),)
        if isinstance(node, cst.Dict):
            return self._eval_dict(node, env)
        if isinstance(node, cst.BinaryOperation):
            return self._eval_binary(node, env)
        if isinstance(node, cst.IfExp):
            truth = self._truth(node.test, env)
            if truth is not None:
                return self._eval(node.body if truth else node.orelse, env)
            return join(self._eval(node.body, env), self._eval(node.orelse, env))
        if isinstance(node, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            return self._eval_comprehension(node, env)
        if isinstance(node, cst.Lambda):
            return ()
        if isinstance(node, cst.Comparison):
            self._check_nan_comparison(node, env)
            return ()
        if isinstance(node, cst.NamedExpr):
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
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = self._truth(test.expression, env)
            return None if inner is None else not inner
        if isinstance(test, cst.Attribute) and test.attr.value == "training" \
                and any(isinstance(value, Instance) for value in self._eval(test.value, env)):
            return True
        values = self._eval(test, env)
        if len(values) == 1 and isinstance(values[0], Constant) and values[0].value in (True, False, None):
            return bool(values[0].value)
        return None

    def _eval_children(self, node: cst.CSTNode, env: Env) -> None:
        for child in child_nodes(node):
            if isinstance(child, cst.BaseExpression):
                self._eval(child, env)
            elif not isinstance(child, (cst.BaseSuite, cst.BaseStatement)):
                self._eval_children(child, env)

    def _lookup(self, name: str, env: Env) -> ValueSet:
        if name in _NAMED_CONSTANTS:
            return (Constant(_NAMED_CONSTANTS[name]),)
        if name in env:
            return env[name]
        if name in self.module_env:
            return self.module_env[name]
        if name in self.classes:
            return (ClassRef(self.classes[name]),)
        if name in self._top_functions:
            return (FunctionRef(self._top_functions[name]),)
        return ()

    def _eval_attribute(self, node: cst.Attribute, env: Env) -> ValueSet:
        if qualified_name(node, self.aliases) is not None:
            return ()
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
            if isinstance(element.slice, cst.Index):
                keys = self._eval(element.slice.value, env)
            else:
                self._eval_children(element.slice, env)
        key = keys[0].value if len(keys) == 1 and isinstance(keys[0], Constant) else None
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

    def _eval_dict(self, node: cst.Dict, env: Env) -> ValueSet:
        items = []
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                key = self._eval(element.key, env)
                values = self._eval(element.value, env)
                if len(key) == 1 and isinstance(key[0], Constant) and isinstance(key[0].value, str):
                    items.append((key[0].value, values))
            else:
                self._eval(element.value, env)
        return (DictValue(tuple(items)),)

    def _check_nan_comparison(self, node: cst.Comparison, env: Env) -> None:
        operands = [node.left, *(target.comparator for target in node.comparisons)]
        compared = self._compared.setdefault(id(self._function.node) if self._function else 0, set())
        for operand in operands:
            self._eval(operand, env)
            if isinstance(operand, cst.Name):
                compared.add(operand.value)
        for index, target in enumerate(node.comparisons):
            if not isinstance(target.operator, (cst.Equal, cst.NotEqual, cst.Is, cst.IsNot)):
                continue
            for side in (operands[index], operands[index + 1]):
                if numerics.nan_operand(side, qualified_name(side, self.aliases)):
                    negated = isinstance(target.operator, (cst.NotEqual, cst.IsNot))
                    self.nan_comparisons.append(NanComparison(node, side, negated))

    def _record_numeric(self, kind: str, node: cst.CSTNode, operand: cst.BaseExpression, values: ValueSet,
                        spelled: str) -> None:
        function = self._function
        site = NumericSite(kind, node, operand, outputs_of(values), spelled,
                           function=function.name if function else "",
                           in_module=bool(function and function.owner and function.owner.is_module),
                           no_grad=self._no_grad_depth > 0)
        self.numeric_sites.append(site)
        self._site_scopes[id(site)] = id(function.node) if function else 0

    def _eval_binary(self, node: cst.BinaryOperation, env: Env) -> ValueSet:
        left = self._eval(node.left, env)
        right = self._eval(node.right, env)
        if isinstance(node.operator, cst.Divide):
            self._record_numeric("division", node, node.right, right, "/")
        if isinstance(node.operator, cst.Power) and len(right) == 1 and isinstance(right[0], Constant) \
                and right[0].value == 0.5:
            self._record_numeric("sqrt", node, node.left, left, "** 0.5")
        zero_tracking = numerics.arithmetic(node, left, right)
        if zero_tracking or not isinstance(node.operator, (cst.Multiply, cst.Divide)):
            return zero_tracking
        kept: list[ValueSet] = []
        for tensor_side, other_side, other_node in ((left, right, node.right), (right, left, node.left)):
            if outputs_of(tensor_side) and _keeps_sign(other_side, other_node):
                kept.append(outputs_of(tensor_side))
            if isinstance(node.operator, cst.Divide):
                break
        return join(*kept)

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

    # ------------------------------------------------------------------ calls

    def _eval_call(self, node: cst.Call, env: Env) -> ValueSet:
        args = [
            (arg.keyword.value if arg.keyword else None, self._eval(arg.value, env), bool(arg.star))
            for arg in node.args
        ]
        name = qualified_name(node.func, self.aliases)
        if name is not None:
            return self._call_library(name, node, args)
        if isinstance(node.func, cst.Attribute):
            receivers = self._eval(node.func.value, env)
            return self._call_method(node, node.func.attr.value, receivers, args)
        found = [self._call_value(callee, node, args) for callee in self._eval(node.func, env)]
        return join(*found)

    def _call_value(self, callee, node: cst.Call, args) -> ValueSet:
        if isinstance(callee, FunctionRef):
            return self._call_function(callee.function, node, args, callee.bound_to)
        if isinstance(callee, ClassRef):
            init = callee.cls.find_method("__init__")
            if init is not None:
                self._record_bindings(init, args, skip_first=True)
            self._ensure_initialized(callee.cls)
            return (Instance(callee.cls),)
        if isinstance(callee, ModuleValue):
            return self._apply_module(callee, node, args)
        if isinstance(callee, Instance):
            return self._call_instance(callee, node, args)
        return ()

    def _call_instance(self, instance: Instance, node: cst.Call, args) -> ValueSet:
        forward = instance.cls.find_method("forward")
        if forward is None or not instance.cls.is_module:
            return ()
        returns = self._call_function(forward, node, args, instance)
        return tuple(through_model(value, instance.cls.name) for value in returns)

    def _call_method(self, node: cst.Call, method: str, receivers: ValueSet, args) -> ValueSet:
        found: list[ValueSet] = []
        for receiver in receivers:
            if isinstance(receiver, Instance):
                found.append(self._instance_method(receiver, node, method, args))
            elif isinstance(receiver, ModuleValue):
                found.append(self._module_method(receiver, node, method, args))
            elif isinstance(receiver, SequenceValue) and method in ("append", "extend") and args:
                # Lists are values, not places; `layers.append(...)` cannot be tracked.
                continue
            elif isinstance(receiver, DictValue) and method == "get" and args:
                key = args[0][1]
                if len(key) == 1 and isinstance(key[0], Constant) and isinstance(key[0].value, str):
                    found.append(receiver.get(key[0].value))
            elif isinstance(receiver, Output):
                found.append(self._tensor_method(receiver, node, method, args))
        if not found and not any(isinstance(r, (Instance, ModuleValue)) for r in receivers):
            # A method called on a tensor whose history is unknown still has a meaning.
            return self._tensor_method(None, node, method, args)
        return join(*found)

    def _instance_method(self, instance: Instance, node: cst.Call, method: str, args) -> ValueSet:
        function = instance.cls.find_method(method)
        if method in ("forward", "__call__"):
            return self._call_instance(instance, node, args)
        if function is not None:
            return self._call_function(function, node, args, instance)
        if method in api.SELF_RETURNING_METHODS and instance.cls.is_module:
            return (instance,)
        if method == "add_module" and len(args) >= 2:
            self._add_named(instance.cls.attributes, args)
            return ()
        # `self.head(x)`: an attribute holding a layer, called.
        callees = self._instance_attribute(instance, method)
        return join(*(self._call_value(callee, node, args) for callee in callees))


# ---------------------------------------------------------------- helpers


def _integer(node: cst.Integer) -> ValueSet:
    try:
        return (Constant(int(node.value.replace("_", ""), 0)),)
    except ValueError:
        return ()


def _keeps_sign(values: ValueSet, node: cst.BaseExpression) -> bool:
    if len(values) == 1 and isinstance(values[0], Constant):
        number = values[0].value
        return isinstance(number, (int, float)) and not isinstance(number, bool) and number > 0
    leaf = node.attr.value if isinstance(node, cst.Attribute) else node.value if isinstance(node, cst.Name) else ""
    return bool(_MASK_NAME.search(leaf))


def _child_statements(statement: cst.CSTNode) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []
    if isinstance(statement, cst.If):
        found.extend(statement.body.body)
        found.extend(else_body(statement.orelse))
    elif isinstance(statement, cst.Try):
        found.extend(statement.body.body)
        for handler in statement.handlers:
            found.extend(handler.body.body)
    return found


def _unique(items, key) -> list:
    seen = set()
    kept = []
    for item in items:
        marker = key(item)
        if marker not in seen:
            seen.add(marker)
            kept.append(item)
    return kept
