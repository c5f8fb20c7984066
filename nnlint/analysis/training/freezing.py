"""Frozen parameters and the optimizers built over them: in each function (and the module's
top-level code), in textual order, where parameters are frozen (`model.requires_grad_(False)`,
`for p in model.parameters(): p.requires_grad = False`), unfrozen again, where a layer is
replaced (`model.fc = nn.Linear(...)`: new, trainable parameters) and where an optimizer is
built (from the training facts' constructions), with whether it keeps only the parameters
that require gradients (`filter(lambda p: p.requires_grad, ...)`).

Also the models the file trains in a loop whose parameters reach no optimizer
(`untrained_models`). Read by NNL610. One walk over each function's statements; nested functions are their own
scope; branches are read in textual order (a freeze under `if args.freeze:` still counts).

A call that hands a frozen model to a function that builds modules onto it (the file's own
function whose body does `setattr(model, name, Layer(...))`, `model.attr = Layer(...)` or
`model.add_module(...)` on a parameter: a LoRA or adapter helper), or to a function imported
from outside torch, whose body nnlint does not see, counts as a replacement: new, trainable
parameters may have been added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import libcst as cst

from nnlint import catalogue
from nnlint.analysis.facts import FileFacts
from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.paths.facts import MODEL_CALL as PATH_MODEL_CALL
from nnlint.analysis.paths.facts import STEP as PATH_STEP
from nnlint.analysis.program.syntax import descendants, iter_calls, last_part, nodes_by_type, receiver_name, statement_bodies
from nnlint.analysis.paths.build import same_model
from nnlint.analysis.training.facts import OptimizerConstruction
from nnlint.catalogue.functions import (
    PARAMETER_ITERATORS,
    PARAMETER_GROUP_METHODS,
    REQUIRES_GRAD_ATTRIBUTE,
    REQUIRES_GRAD_METHOD,
)
from nnlint.catalogue.layers import ATTENTION, CONTAINER, EMBEDDING, NORMALIZATION, RECURRENT, WEIGHT
from nnlint.catalogue.names import UNTRAINED_MODEL_NAME

# Layer kinds that hold trainable parameters.
_PARAMETER_KINDS = frozenset({WEIGHT, RECURRENT, EMBEDDING, NORMALIZATION, ATTENTION})

# Module methods after which a model is not expected to train: evaluation, freezing, loading.
_SETTLING_METHODS = frozenset({"eval", "requires_grad_", "load_state_dict"})

# Event kinds.
FREEZE = "freeze"        # parameters of `target` stop requiring gradients
UNFREEZE = "unfreeze"    # ... start again
REPLACE = "replace"      # `target = <call>` for an attribute: a new layer, trainable
OPTIMIZER = "optimizer"  # an optimizer is built


@dataclass(eq=False)
class FreezeEvent:
    kind: str
    node: cst.CSTNode
    target: str = ""                 # the module (`model`, `model.backbone`), or the replaced attribute
    whole: bool = True               # every parameter of `target`, not those an `if` picks
    optimizer: Optional[OptimizerConstruction] = None
    # For OPTIMIZER: the models it is given all parameters of, and whether it keeps only those
    # that require gradients (filtered); `direct` when its params are only `.parameters()` of them.
    direct: bool = False
    filtered: bool = False


@dataclass(eq=False)
class FreezeScope:
    name: str
    events: list[FreezeEvent] = field(default_factory=list)
    # Names assigned in the scope, in order, with the index of the next event (re-built optimizers).
    assigned: list[tuple[str, int]] = field(default_factory=list)
    # Functions and methods it calls after an unfreeze (`self.create_opt`, `build_optimizer`),
    # with the index of the next event: a helper of the file that builds an optimizer rebuilds it.
    calls: list[tuple[str, int]] = field(default_factory=list)


@dataclass(eq=False)
class UntrainedModel:
    """A model built in this file and run in a training loop (backward and step in the same
    loop) whose parameters no optimizer of the file is given."""

    name: str
    call: cst.Call                   # its first call in the loop
    built: Optional[cst.Call]        # where it is constructed


@dataclass(eq=False)
class FreezingFacts:
    scopes: list[FreezeScope] = field(default_factory=list)
    # `optimizer.add_param_group(...)` anywhere in the file: parameters added later.
    adds_parameter_groups: bool = False
    untrained_models: list[UntrainedModel] = field(default_factory=list)


def build_freezing_facts(facts: FileFacts) -> None:
    """Fill `facts.freezing`; needs the training facts' optimizer constructions."""
    training = facts.training
    optimizers = {id(opt.node): opt for opt in training.optimizers} if training is not None else {}
    found = FreezingFacts()
    facts.freezing = found
    builders = _ModuleBuilders(facts.module)
    pending: list[tuple[str, Sequence[cst.CSTNode]]] = [("<module>", facts.module.body)]
    while pending:
        name, body = pending.pop()
        scope = FreezeScope(name)
        walker = _ScopeWalk(scope, optimizers, found, pending)
        walker.builders = builders
        walker.imports = facts.imports
        walker.block(body)
        if scope.events:
            found.scopes.append(scope)
    if training is not None and facts.paths is not None:
        found.untrained_models = _untrained_models(facts, training.optimizers)


class _ScopeWalk:
    def __init__(self, scope: FreezeScope, optimizers: dict[int, OptimizerConstruction], found: FreezingFacts,
                 pending: list[tuple[str, Sequence[cst.CSTNode]]]) -> None:
        self.scope = scope
        self.optimizers = optimizers
        self.found = found
        self.pending = pending
        self.builders: Optional[_ModuleBuilders] = None
        self.imports: dict[str, str] = {}

    def block(self, body: Sequence[cst.CSTNode]) -> None:
        for statement in body:
            if isinstance(statement, cst.FunctionDef):
                self.pending.append((statement.name.value, statement.body.body))
            elif isinstance(statement, cst.ClassDef):
                for inner in statement.body.body:
                    if isinstance(inner, cst.FunctionDef):
                        self.pending.append((f"{statement.name.value}.{inner.name.value}", inner.body.body))
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self.small(small)
            elif isinstance(statement, cst.For) and self.parameter_loop(statement):
                continue
            else:
                if isinstance(statement, cst.For):
                    self.expression(statement.iter)
                for inner in statement_bodies(statement):
                    self.block(inner)

    def small(self, small: cst.BaseSmallStatement) -> None:
        self.expression(small)
        if isinstance(small, cst.Assign):
            for target in small.targets:
                name = receiver_name(target.target)
                if name:
                    self.scope.assigned.append((name, len(self.scope.events)))
                if isinstance(target.target, (cst.Attribute, cst.Subscript)) and isinstance(small.value, cst.Call) \
                        and "." in name:
                    self.scope.events.append(FreezeEvent(REPLACE, small, target=name))

    def expression(self, node: cst.CSTNode) -> None:
        for call in reversed(list(iter_calls(node))):
            func = call.func
            callee = receiver_name(func)
            if callee and (callee.count(".") == 0 or callee.startswith("self.") and callee.count(".") == 1) \
                    and any(event.kind == UNFREEZE for event in self.scope.events):
                self.scope.calls.append((callee.rpartition(".")[2], len(self.scope.events)))
            if isinstance(func, cst.Attribute) and func.attr.value == REQUIRES_GRAD_METHOD:
                flag = _flag(call.args[0].value) if call.args else True
                target = _module_name(func.value)
                if target and flag is not None:
                    self.scope.events.append(FreezeEvent(UNFREEZE if flag else FREEZE, call, target=target))
            elif isinstance(func, cst.Attribute) and func.attr.value in PARAMETER_GROUP_METHODS:
                self.found.adds_parameter_groups = True
            self._handed_to_builder(call)
            optimizer = self.optimizers.get(id(call))
            if optimizer is not None:
                direct, filtered = _parameters_given(call)
                self.scope.events.append(FreezeEvent(OPTIMIZER, call, optimizer=optimizer, direct=direct,
                                                     filtered=filtered))

    def _handed_to_builder(self, call: cst.Call) -> None:
        """`replace_linear_with_lora(model, ...)` after `model` was frozen: a REPLACE of it."""
        func = call.func
        if not isinstance(func, cst.Name):
            return
        frozen = [event.target for event in self.scope.events if event.kind == FREEZE]
        if not frozen:
            return
        name = func.value
        imported = self.imports.get(name)
        outside_torch = imported is not None and not imported.startswith("torch")
        if not outside_torch and (self.builders is None or name not in self.builders.names()):
            return
        for arg in call.args:
            target = receiver_name(arg.value)
            if target and any(same_model(target, model) for model in frozen):
                self.scope.events.append(FreezeEvent(REPLACE, call, target=target))

    def parameter_loop(self, loop: cst.For) -> bool:
        """`for p in X.parameters(): p.requires_grad = flag`: a freeze or unfreeze of X."""
        module = _parameters_of(loop.iter)
        if module is None:
            return False
        variables = {node.value for node in descendants(loop.target) if isinstance(node, cst.Name)}
        for statement, conditional in _statements(loop.body.body, False):
            for small in statement.body:
                flag = None
                if isinstance(small, cst.Assign) and any(
                        isinstance(t.target, cst.Attribute) and t.target.attr.value == REQUIRES_GRAD_ATTRIBUTE
                        and receiver_name(t.target.value) in variables for t in small.targets):
                    flag = _flag(small.value)
                elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) \
                        and isinstance(small.value.func, cst.Attribute) \
                        and small.value.func.attr.value == REQUIRES_GRAD_METHOD \
                        and receiver_name(small.value.func.value) in variables:
                    flag = _flag(small.value.args[0].value) if small.value.args else True
                if flag is not None:
                    self.scope.events.append(FreezeEvent(UNFREEZE if flag else FREEZE, loop, target=module,
                                                         whole=not conditional))
                    return True
        return False


class _ModuleBuilders:
    """Functions of the file that build modules onto a parameter: `setattr(p, name, X(...))`,
    `p.attr = X(...)`, `p[key] = X(...)`, `p.add_module(name, X(...))`. Found on first
    need only: most files never hand a frozen model to a call."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self._names: Optional[set[str]] = None

    def names(self) -> set[str]:
        if self._names is None:
            self._names = _module_builders(self.module)
        return self._names


def _module_builders(module: cst.Module) -> set[str]:
    """Functions of the file that build modules onto a parameter: `setattr(p, name, X(...))`,
    `p.attr = X(...)`, `p[key] = X(...)`, `p.add_module(name, X(...))`."""
    found: set[str] = set()
    for node in nodes_by_type(module).get(cst.FunctionDef, ()):
        params = {param.name.value for param in (*node.params.posonly_params, *node.params.params)}
        for inner in descendants(node.body, stop=(cst.FunctionDef, cst.ClassDef)):
            if isinstance(inner, cst.Call):
                func = inner.func
                if isinstance(func, cst.Name) and func.value == "setattr" and len(inner.args) == 3 \
                        and isinstance(inner.args[2].value, cst.Call) and receiver_name(inner.args[0].value) in params:
                    found.add(node.name.value)
                elif isinstance(func, cst.Attribute) and func.attr.value in ("add_module", "register_module") \
                        and receiver_name(func.value) in params:
                    found.add(node.name.value)
            elif isinstance(inner, cst.Assign) and isinstance(inner.value, cst.Call):
                for target in inner.targets:
                    if isinstance(target.target, (cst.Attribute, cst.Subscript)) \
                            and receiver_name(target.target).split(".")[0] in params:
                        found.add(node.name.value)
    return found


def _untrained_models(facts: FileFacts, optimizers: list[OptimizerConstruction]) -> list[UntrainedModel]:
    """Models the file builds and trains in a loop while every optimizer of the file names the
    modules it trains and none of them is this one. Silent when the model's parameters are
    mentioned anywhere (`list(D.parameters())`), when it is handed to any call (wrapped, or
    given to a helper that may build its optimizer), switched to eval or frozen, loaded from
    a checkpoint, run under no_grad, or named as an EMA / target / teacher copy."""
    paths = facts.paths
    if not optimizers or any(not opt.models for opt in optimizers):
        return []
    trained = {model for opt in optimizers for model in opt.models}
    handled = _handled_models(facts)
    found: list[UntrainedModel] = []
    reported: set[str] = set()
    for scope in paths.scopes:
        if scope.in_module_class:
            continue
        steps = [event for event in scope.events if event.kind == PATH_STEP and event.loops]
        for event in scope.events:
            model = event.target
            if event.kind != PATH_MODEL_CALL or not event.loops or model in reported or model not in paths.models:
                continue
            if not any(step.loops[:len(event.loops)] == event.loops or event.loops[:len(step.loops)] == step.loops
                       for step in steps):
                continue
            if any(_same_module(model, other) for other in trained | paths.parameter_owners | handled) \
                    or UNTRAINED_MODEL_NAME.search(last_part(model)):
                continue
            calls = [e for e in scope.events if e.kind == PATH_MODEL_CALL and e.target == model]
            if any(e.no_grad for e in calls) or not _has_parameters(facts, paths.models.get(model), set()):
                continue
            reported.add(model)
            found.append(UntrainedModel(model, event.node, paths.models.get(model)))
    return found


def _has_parameters(facts: FileFacts, built: Optional[cst.Call], seen: set[str]) -> bool:
    """The constructed model surely has trainable parameters: a library model, a torch.nn
    layer with weights, or a class of the file holding one (a loss module does not)."""
    if built is None:
        return False
    func = built.func
    if isinstance(func, cst.Name) and func.value in facts.models:
        return _class_has_parameters(facts, func.value, seen)
    qualified = qualified_name(func, facts.imports)
    if qualified is None:
        return False
    if catalogue.model_factory(qualified) is not None:
        return True
    layer = catalogue.nn_layer(qualified)
    return layer is not None and layer.kind in _PARAMETER_KINDS


def _class_has_parameters(facts: FileFacts, cls: str, seen: set[str]) -> bool:
    if cls in seen:
        return False
    seen.add(cls)
    for name in facts.models[cls].layers.values():
        if name in facts.models:
            if _class_has_parameters(facts, name, seen):
                return True
            continue
        layer = catalogue.layer(name)
        if layer is None or layer.kind in _PARAMETER_KINDS or layer.kind == CONTAINER:
            return True  # an unknown module class, or a container: assume it holds weights
    return False


def _handled_models(facts: FileFacts) -> set[str]:
    """Names the file passes to a call as an argument, or calls a method on that freezes,
    switches to evaluation or loads weights (`D.eval()`, `D.requires_grad_(False)`)."""
    handled: set[str] = set()
    for node in descendants(facts.module, stop=()):
        if type(node) is not cst.Call:
            continue
        for arg in node.args:
            name = receiver_name(arg.value)
            if name:
                handled.add(name)
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _SETTLING_METHODS:
            name = receiver_name(func.value)
            if name:
                handled.add(name)
    return handled


def _same_module(a: str, b: str) -> bool:
    """`D` and `D.module`, `self.D` and the `D` it was built from."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".") or a == f"self.{b}" or b == f"self.{a}"


def _statements(body: Sequence[cst.CSTNode], conditional: bool):
    """The simple statements of a loop body, each with whether an `if`/`try` picks it."""
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            yield statement, conditional
        elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            continue
        elif isinstance(statement, cst.BaseCompoundStatement):
            for inner in statement_bodies(statement):
                yield from _statements(inner, True)


def _parameters_of(node: cst.BaseExpression) -> Optional[str]:
    """`model.backbone` for `model.backbone.parameters()` (also `named_parameters()`)."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
            and node.func.attr.value in PARAMETER_ITERATORS and not node.args:
        return _module_name(node.func.value)
    return None


def _module_name(node: cst.BaseExpression) -> Optional[str]:
    """`model.backbone`, also `model.get_classifier` for `model.get_classifier()`: a part of
    `model` either way."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        owner = _module_name(node.func.value)
        return f"{owner}.{node.func.attr.value}" if owner else None
    return receiver_name(node) or None


def _parameters_given(call: cst.Call) -> tuple[bool, bool]:
    """Whether an optimizer's first argument is only `.parameters()` of modules (possibly
    through list/filter/chain), and whether it keeps only those that require gradients."""
    params = call.args[0].value if call.args and call.args[0].keyword is None else None
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "params":
            params = arg.value
    if params is None:
        return False, False
    filtered = any(isinstance(node, cst.Name) and node.value == REQUIRES_GRAD_ATTRIBUTE
                   or isinstance(node, cst.Attribute) and node.attr.value == REQUIRES_GRAD_ATTRIBUTE
                   for node in descendants(params))
    return _only_parameters(params), filtered


def _only_parameters(node: cst.BaseExpression) -> bool:
    if _parameters_of(node) is not None:
        return True
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value in ("list", "filter"):
        values = [arg.value for arg in node.args]
        if node.func.value == "filter" and len(values) == 2 and isinstance(values[0], cst.Lambda):
            values = values[1:]
        return bool(values) and all(_only_parameters(value) for value in values)
    if isinstance(node, (cst.ListComp, cst.GeneratorExp)) and len([node.for_in]) == 1 \
            and node.for_in.inner_for_in is None:
        return _only_parameters(node.for_in.iter)
    return False


def _flag(node: cst.BaseExpression) -> Optional[bool]:
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


__all__ = ["FREEZE", "OPTIMIZER", "REPLACE", "UNFREEZE", "FreezeEvent", "FreezeScope", "FreezingFacts",
           "UntrainedModel", "build_freezing_facts"]
