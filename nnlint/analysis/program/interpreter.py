"""An abstract interpreter over one file: which tensors reach which losses.

It runs every statement of the module and of every function once per round, tracking
abstract values (see `values.py`): torch modules built in the file, instances of the
file's own `nn.Module` classes, and for tensors only their last range-setting operation
(`Output`). Calls into the file's own functions pass values across: parameters take the
union of what their call sites pass, which takes a few rounds to settle (a function may
be analysed before its callers). Nothing of the linted code is imported or run.

This module is the driver; statements, expressions and torch calls are run by the mixins
in `interpreter_statements`, `interpreter_expressions` and `interpreter_torch_calls`.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Iterable, Mapping, Optional, Sequence

import libcst as cst

from nnlint import catalogue
from nnlint.analysis.program import numerics, summary
from nnlint.analysis.program.call_arguments import Arguments, argument_values
from nnlint.analysis.program.exports import (
    THIS_FILE,
    ModuleExports,
    Returned,
    decode_returns,
    encode_returns,
    factory_models,
    flatten_outputs,
    is_library_name,
)
from nnlint.analysis.facts import (
    IMPORTED,
    FileFacts,
    LossCall,
    ModelFacts,
    NanComparison,
    NormalizerSite,
    NumericSite,
    Output,
)
from nnlint.analysis.program.module_classes import is_module_class, module_bases
from nnlint.analysis.program.imports import collect_imports, qualified_name
from nnlint.analysis.program.interpreter_expressions import ExpressionEvaluator
from nnlint.analysis.program.interpreter_statements import StatementRunner, else_body
from nnlint.analysis.program.interpreter_torch_calls import TorchCalls
from nnlint.analysis.program.syntax import dotted_name, own_statements
from nnlint.analysis.program.values import (
    ClassInfo,
    ClassRef,
    Constant,
    DictValue,
    Env,
    FunctionInfo,
    FunctionRef,
    ImportedInstance,
    Instance,
    LibraryRef,
    ModuleValue,
    SequenceValue,
    ValueSet,
    join,
    outputs_of,
    through_model,
)
from nnlint.catalogue.functions import SELF_RETURNING_METHODS
from nnlint.catalogue.layers import LOSS
from nnlint.catalogue.names import (CRITERION_PARAMETER, GRADIENT_FUNCTION, LOSS_FUNCTION_WORD, LOSS_NAME, MODEL_PARAMETER,
                                   NO_GRADIENT_FUNCTION)

_MAX_ROUNDS = 3
# A call as ExpressionEvaluator._eval_call runs it: the node, its callee's qualified name, and
# its arguments as (keyword, value node, starred).
CallShape = tuple[cst.Call, Optional[str], tuple[tuple[Optional[str], cst.BaseExpression, bool], ...]]
# A function's parameters as _record_bindings matches arguments to them: the node, the names
# of the positional ones, and every one by name.
ParameterLayout = tuple[cst.FunctionDef, tuple[str, ...], dict[str, cst.Param]]
_LAST_WORD = re.compile(r"[A-Z][a-z0-9]+$")


class Interpreter(StatementRunner, ExpressionEvaluator, TorchCalls):
    """The driver: definitions, rounds to a fixed point, the file's functions, and which
    call a callee stands for. Statements, expressions and torch calls are run by the
    mixins, over this object's state."""

    def __init__(self, module: cst.Module, path: str,
                 externals: Optional[Mapping[str, Returned]] = None,
                 external_losses: Optional[Mapping[str, Mapping[str, Any]]] = None,
                 external_bases: Optional[Mapping[str, Mapping[str, Any]]] = None) -> None:
        self.module = module
        self.path = path
        # Models of other project files, by the qualified name this file imports them as.
        self.externals: Mapping[str, Returned] = externals or {}
        # Loss wrappers of other project files (the summary's `losses`), by qualified name.
        self.external_losses: Mapping[str, Mapping[str, Any]] = external_losses or {}
        # Which base classes of other project files are Modules (the join's "bases").
        self.external_modules = module_bases(external_bases or {})
        self.aliases = collect_imports(module)
        # The values of int, float and string literals, by id of the node (see ExpressionEvaluator._eval).
        self._literal_values: dict[int, tuple[cst.CSTNode, ValueSet]] = {}
        # What a call evaluates besides its arguments' values (see CallShape), by id of the
        # node: every round runs every call again. The node is kept in the entry, as above, and
        # the aliases its callee's name comes from are fixed once the interpreter is made.
        self._call_shapes: dict[int, CallShape] = {}
        # A function's parameters as _record_bindings matches arguments to them, by id of its
        # node (kept in the entry) and whether the first (self) is skipped.
        self._parameter_layouts: dict[tuple[int, bool], ParameterLayout] = {}
        # Whether a product's factors are the same code, by id of the node (see _same_sides).
        self._same_sides_memo: dict[int, tuple[cst.BinaryOperation, bool]] = {}
        # _class_named's answers, by parameter: (classes registered when asked, answer).
        self._class_named_cache: dict[str, tuple[int, ValueSet]] = {}
        self.classes: dict[str, ClassInfo] = {}
        self.functions: list[FunctionInfo] = []
        self._function_of_node: dict[int, FunctionInfo] = {}
        self._sole_model_cache: Optional[tuple[int, Optional[ClassInfo]]] = None
        self._registered_classes = 0
        self.module_env: Env = {}
        self._top_functions: dict[str, FunctionInfo] = {}
        self._module_values: dict[int, ModuleValue] = {}
        # Attributes read before any assignment was seen: assigning one later in the
        # round means the readers must be analysed again.
        self._missed_attributes: set[tuple[int, str]] = set()
        self._flagged_returns: dict[object, ValueSet] = {}
        self._applying: set[int] = set()
        self._changed = False
        self.imported_models: set[str] = set()
        self._analyzed: set[int] = set()
        # Classes whose constructors have all been analysed this round (see _ensure_initialized).
        self._initialized: dict[int, tuple[ClassInfo, list[FunctionInfo]]] = {}
        self._in_progress: set[int] = set()
        self._returns: Optional[list[ValueSet]] = None
        self._function: Optional[FunctionInfo] = None
        self._no_grad_depth = 0
        # Loops around the statement being run: a list grown inside one is not followed.
        self._loop_depth = 0
        # If-statements being run whose condition is not decided (both ways are taken).
        self._undecided_branches = 0
        # The loop depth where the function being run starts: deeper is a loop of its own.
        self._loop_base = 0
        # Names compared anywhere in a function (`if n > 0`), keyed by id of the function.
        self._compared: dict[int, set[str]] = {}
        # The own methods each forward returns the result of, by id of its node.
        self._self_calls: dict[int, list[str]] = {}
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
        # Scopes (see _scope_key) that backpropagate a loss: what they compute takes gradients.
        self._backward_scopes: set[int] = set()
        # The file's functions called directly by the value of `name` in a scope, and by a
        # scope's return values: a backpropagated loss is followed into the helpers computing it.
        self._assigned_callees: dict[tuple[int, str], set[int]] = {}
        self._returned_callees: dict[int, set[int]] = {}
        self._backward_roots: set[int] = set()
        # Which of the file's functions each scope calls (see _scope_key): training code's
        # helpers are training code too.
        self._callees: dict[int, set[int]] = {}
        self._collecting: Optional[tuple[int, set[int]]] = None
        # Ids of branch conditions and their not/and/or parts (see _mark_truth_test).
        self._truth_tests: set[int] = set()
        # The file's functions by id of their node: (calling scope, under no_grad) per call site.
        self._calls: dict[int, list[tuple[int, bool]]] = {}
        # Per scope that calls backward(): whether each call is inside a loop of that scope.
        self._backward_loops: dict[int, list[bool]] = {}
        self._site_in_loop: dict[int, bool] = {}
        # Modules registered by name: `self.add_module(name, layer)`, `setattr(self, name, layer)`.
        self._added_modules: set[int] = set()
        self.resolved_callees: dict[cst.Call, str] = {}
        self.optimizer_lrs: dict[cst.Call, Optional[float]] = {}
        # The function each loss call is in, by id of the call (the summary's loss wrappers).
        self.loss_scopes: dict[int, FunctionInfo] = {}

    def run(self) -> FileFacts:
        self._register_definitions(self.module.body, owner_env=None)
        for _ in range(_MAX_ROUNDS):
            self._changed = False
            self._analyzed = set()
            self._initialized = {}
            self._reset_facts()
            self.module_env = {}
            self._exec_block(self.module.body, self.module_env)
            # By index: a nested function registered while its parent runs (a loss closure a
            # factory returns and nobody in the file calls) is analysed in the same round.
            index = 0
            while index < len(self.functions):
                self._analyze_function(self.functions[index])
                index += 1
            if not self._changed:
                break
        return self._facts()

    def partial_facts(self) -> FileFacts:
        """What has been gathered so far, for when a run had to stop early."""
        return self._facts()

    def module_values(self) -> Iterable[ModuleValue]:
        """Every module the file's code constructs (one per constructor call)."""
        return self._module_values.values()

    def _backpropagating_scopes(self) -> set[int]:
        """Scopes that call backward(), and the helpers whose results become the loss they
        backpropagate (through assignments and returns, helper of helper included)."""
        found = set(self._backward_scopes)
        pending = list(self._backward_roots)
        while pending:
            scope = pending.pop()
            if scope in found:
                continue
            found.add(scope)
            pending.extend(self._returned_callees.get(scope, ()))
        return found

    def _training_helpers(self) -> set[int]:
        """Functions called, directly or through other helpers, from loss code: a function
        named as a loss or distance, the `forward` of a class so named (a detector's forward
        runs its geometry helpers at inference, without gradients). A training step
        or a backpropagating loop also calls metric helpers; only the helpers whose result
        becomes its loss count for it (see _backpropagating_scopes)."""
        roots = {id(function.node) for function in self.functions if _loss_code(function)}
        found: set[int] = set()
        pending = [callee for root in roots for callee in self._callees.get(root, ())]
        while pending:
            scope = pending.pop()
            if scope not in found:
                found.add(scope)
                pending.extend(self._callees.get(scope, ()))
        return found

    def _gradient_free_scopes(self, backpropagating: set[int]) -> set[int]:
        """The file's functions no backward pass can reach: named as a metric, a derivative or a
        plot (catalogue.names.NO_GRADIENT_FUNCTION) and not backpropagated, or called only under
        `torch.no_grad()` or from such functions (latent diffusion's `to_rgb`, called from an
        `@torch.no_grad()` `log_images`). A function never called in the file is not one."""
        free = {id(function.node) for function in self.functions
                if id(function.node) not in backpropagating and NO_GRADIENT_FUNCTION.search(function.name)
                and not LOSS_FUNCTION_WORD.search(function.name)}
        changed = True
        while changed:
            changed = False
            for callee, calls in self._calls.items():
                if callee not in free and callee not in backpropagating \
                        and all(no_grad or caller in free for caller, no_grad in calls):
                    free.add(callee)
                    changed = True
        return free

    def _setup_site(self, site: NumericSite) -> bool:
        """Outside every loop of a scope whose backward() calls are all inside loops: set-up run
        once before training (data standardised by its statistics), not a step's loss."""
        loops = self._backward_loops.get(self._site_scopes[id(site)])
        return bool(loops) and all(loops) and not self._site_in_loop.get(id(site), False)

    def _facts(self) -> FileFacts:
        backpropagating = self._backpropagating_scopes()
        free = self._gradient_free_scopes(backpropagating)
        helpers = self._training_helpers()
        registered = self._registered_modules()
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
            returns = join(forward.returns, self._overrides_returned(cls, forward)) if forward else ()
            models[cls.name] = ModelFacts(
                cls.name, cls.node, layers, outputs_of(returns),
                _returned(forward.node) if forward else (),
                self._unregistered_layers(cls, registered),
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
                dataclasses.replace(site, compared=type(site.operand) is cst.Name
                                    and site.operand.value in self._compared.get(self._site_scopes[id(site)], ()),
                                    backpropagated=not site.no_grad and self._site_scopes[id(site)] in backpropagating,
                                    training_helper=self._site_scopes[id(site)] in helpers,
                                    gradient_free=self._site_scopes[id(site)] in free or self._setup_site(site))
                for site in _unique(self.numeric_sites, key=lambda site: (site.kind, id(site.node)))
            ],
            nan_comparisons=_unique(self.nan_comparisons, key=lambda found: id(found.node)),
            exports=self._exports(),
            imported_models=set(self.imported_models),
            resolved_callees=dict(self.resolved_callees),
            optimizer_lrs={node: lr for node, lr in self.optimizer_lrs.items() if lr is not None},
        )

    def _note_registered(self, values: ValueSet) -> None:
        for value in values:
            if isinstance(value, ModuleValue):
                self._added_modules.add(id(value.node))

    def _registered_modules(self) -> set[int]:
        """Ids of the modules some module attribute holds directly, or a registered container
        (Sequential, ModuleList, ModuleDict) holds: `self.blocks = [self.fc1, self.fc2]` keeps
        registered layers in a list for ordering, which is harmless."""
        found: set[int] = set()
        pending = [value for cls in self.classes.values() for values in cls.attributes.values()
                   for value in values if isinstance(value, ModuleValue)]
        pending.extend(self._module_values[key] for key in self._added_modules if key in self._module_values)
        while pending:
            module = pending.pop()
            if id(module) in found:
                continue
            found.add(id(module))
            for values in (*module.layers, *module.named.values()):
                pending.extend(value for value in values if isinstance(value, ModuleValue))
        return found

    def _unregistered_layers(self, cls: ClassInfo, registered: set[int]) -> dict[str, str]:
        """Attributes of a module class that hold a plain list, tuple or dict of layers the
        class builds (in its own methods or a function of the file they call), not registered
        anywhere else. A module built elsewhere and passed in may be registered by its owner,
        and a stateless layer (ReLU) has nothing to lose: both are left out."""
        found: dict[str, str] = {}
        for name, values in cls.attributes.items():
            if any(isinstance(value, (ModuleValue, Instance)) for value in values):
                continue  # also assigned a module (`self.blocks = nn.ModuleList(self.blocks)`)
            for value in values:
                items = value.items if isinstance(value, SequenceValue) else \
                    tuple(item for _, item in value.items) if isinstance(value, DictValue) else ()
                element = next((module for item in items for module in item
                                if isinstance(module, ModuleValue) and id(module) not in registered
                                and _has_state(module.qualname)
                                and module.built_in is not None
                                and module.built_in.owner in (None, cls)), None)
                if element is not None:
                    found[name] = element.short_name
                    break
        return found

    def _exports(self) -> ModuleExports:
        exports = ModuleExports(imports={local: name for local, name in self.aliases.items()
                                         if not is_library_name(name)})
        for cls in self.classes.values():
            forward = cls.find_method("forward") if cls.is_module else None
            if forward is not None:
                returns = join(forward.returns, self._overrides_returned(cls, forward))
                exports.models[cls.name] = encode_returns(returns)
                exports.nodes[cls.name] = [output.node for output in flatten_outputs(returns)]
        for name, function in self._top_functions.items():
            models = factory_models(function.returns)
            if models:
                exports.factories[name] = models
        summary.add_classes(exports, self.classes, self.aliases)
        summary.add_losses(exports, self.loss_calls, self.loss_scopes, self._top_functions)
        summary.add_constructions(exports, self._top_functions, self.aliases)
        return exports

    # ------------------------------------------------------------ definitions

    def _register_definitions(self, body: Sequence[cst.CSTNode], owner_env: Optional[Env]) -> None:
        for statement in body:
            if type(statement) is cst.ClassDef:
                self._register_class(statement)
            elif type(statement) is cst.FunctionDef:
                function = FunctionInfo(statement, closure=owner_env)
                self._add_function(function)
                self._top_functions.setdefault(function.name, function)
            elif type(statement) in (cst.If, cst.Try):
                # `if TYPE_CHECKING:` / `try: ... except ImportError:` around definitions.
                self._register_definitions(_child_statements(statement), owner_env)

    def _register_class(self, node: cst.ClassDef) -> ClassInfo:
        bases = [self.classes[arg.value.value] for arg in node.bases
                 if type(arg.value) is cst.Name and arg.value.value in self.classes]
        known = self.classes
        is_module = is_module_class(node, self.aliases,
                                    lambda name: known[name].is_module if name in known else None,
                                    self.external_modules)
        cls = ClassInfo(node, is_module, bases)
        self.classes[cls.name] = cls
        self._registered_classes += 1
        for statement in node.body.body:
            if type(statement) is cst.FunctionDef:
                function = FunctionInfo(statement, owner=cls)
                cls.methods[function.name] = function
                self._add_function(function)
        return cls

    # -------------------------------------------------------------- functions

    def _add_function(self, function: FunctionInfo) -> None:
        self.functions.append(function)
        self._function_of_node.setdefault(id(function.node), function)

    def _analyze_function(self, function: FunctionInfo, flags: Optional[Env] = None) -> ValueSet:
        """Run a function's body once per round and return what it returns.

        `flags` are literal arguments of one call site (`return_probs=True`): the body is
        then run once more for that combination, so that a branch the flag turns off at
        the training call does not count there.
        """
        key: object = id(function) if not flags else (id(function), tuple(sorted(flags.items())))
        collecting = self._collecting
        # _scope_key inlined: most calls end at the next test (analysed already this round).
        if collecting is not None and collecting[0] == (id(self._function.node) if self._function else 0):
            collecting[1].add(id(function.node))
        if key in self._analyzed or key in self._in_progress:
            return function.returns if not flags else self._flagged_returns.get(key, ())
        self._in_progress.add(key)
        outer_returns, outer_function, outer_no_grad = self._returns, self._function, self._no_grad_depth
        outer_loop_base, self._loop_base = self._loop_base, self._loop_depth
        self._returns, self._function = [], function
        self._no_grad_depth = int(any(self._disables_grad(d.decorator) for d in function.node.decorators))
        try:
            # A top-level function reads the module's names through _lookup: copying them
            # into every function's env (and every branch's) made big files quadratic.
            closure = function.closure if function.closure is not self.module_env else None
            env: Env = dict(closure or {})
            self._bind_parameters(function, env)
            env.update(flags or {})
            self._exec_block(function.node.body.body, env)
            returns = join(*self._returns)
        finally:
            self._returns, self._function, self._no_grad_depth = outer_returns, outer_function, outer_no_grad
            self._loop_base = outer_loop_base
            self._in_progress.discard(key)
            self._analyzed.add(key)
        if flags:
            self._flagged_returns[key] = returns
        else:
            function.returns = returns
        return returns

    def _bind_parameters(self, function: FunctionInfo, env: Env) -> None:
        params = function.node.params
        first_positional = bool(params.posonly_params or params.params)
        for index, param in enumerate((*params.posonly_params, *params.params, *params.kwonly_params)):
            name = param.name.value
            if index == 0 and first_positional and function.is_method:
                env[name] = (Instance(function.owner),) if function.owner else ()
                continue
            if function.bindings.get(name):
                env[name] = function.bindings[name]
            elif not function.called and param.default is not None:
                env[name] = self._eval(param.default, self.module_env)
            elif not function.called and MODEL_PARAMETER.search(name):
                env[name] = self._sole_model()
            elif not function.called and CRITERION_PARAMETER.search(name):
                env[name] = self._sole_loss()
            elif not function.called and self._class_named(name):
                env[name] = self._class_named(name)  # memoised: asked twice
            else:
                env[name] = numerics.parameter_value(param)
        for star in (params.star_arg, params.star_kwarg):
            if type(star) is cst.Param:
                env[star.name.value] = ()

    def _sole_model(self) -> ValueSet:
        # Asked for every untyped `model` parameter: a scan of every class each time made
        # files of many classes and functions quadratic; asked again after a class is registered.
        if self._sole_model_cache is None or self._sole_model_cache[0] != self._registered_classes:
            models = [
                cls for cls in self.classes.values()
                if cls.is_module and cls.find_method("forward") and "loss" not in cls.name.lower()
            ]
            self._sole_model_cache = (self._registered_classes, models[0] if len(models) == 1 else None)
        model = self._sole_model_cache[1]
        return (Instance(model),) if model is not None else ()

    def _class_named(self, parameter: str) -> ValueSet:
        """The one module class of the file a parameter is named after: `head` for `RPNHead`,
        `rpn_head` or `rpnhead` for it too, `discriminator` for `Discriminator` (the whole
        name or its last word), for a function no call site in the file passes a value to."""
        # Asked for every parameter of every function no call site reaches, each round: the
        # answer only changes when a class is registered (a class's methods are fixed then).
        cached = self._class_named_cache.get(parameter)
        if cached is not None and cached[0] == self._registered_classes:
            return cached[1]
        wanted = parameter.replace("_", "").lower()
        answer: ValueSet = ()
        if len(wanted) >= 3:
            found = [cls for cls in self.classes.values() if cls.is_module and cls.find_method("forward")
                     and wanted in (cls.name.lower(), _last_word(cls.name).lower())]
            answer = (Instance(found[0]),) if len(found) == 1 else ()
        self._class_named_cache[parameter] = (self._registered_classes, answer)
        return answer

    def _sole_loss(self) -> ValueSet:
        """The file's one loss module class (an `nn.Module` named as a loss, with a forward), for
        a `criterion` parameter nobody passes a value to (`train_epoch(model, criterion, ...)`)."""
        losses = [cls for cls in self.classes.values()
                  if cls.is_module and cls.find_method("forward") and LOSS_NAME.search(cls.name)]
        return (Instance(losses[0]),) if len(losses) == 1 else ()

    def _call_function(self, function: FunctionInfo, call: cst.Call, args: Arguments,
                       bound_to: Optional[Instance]) -> ValueSet:
        scope = self._scope_key()  # the same after _record_bindings: what it runs restores it
        callees = self._callees.get(scope)
        if callees is None:
            callees = self._callees[scope] = set()
        callees.add(id(function.node))
        provided = self._record_bindings(function, args, skip_first=function.is_method)
        self._calls.setdefault(id(function.node), []).append((scope, self._no_grad_depth > 0))
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
        layout = self._parameter_layouts.get((id(function.node), skip_first))
        if layout is None or layout[0] is not function.node:
            params = function.node.params
            positional = [*params.posonly_params, *params.params]
            if skip_first:
                positional = positional[1:]
            layout = self._parameter_layouts[(id(function.node), skip_first)] = (
                function.node, tuple(param.name.value for param in positional),
                {param.name.value: param for param in [*positional, *params.kwonly_params]})
        positional_names, by_name = layout[1], layout[2]
        provided: dict[str, ValueSet] = {}
        for _, _, starred in args:
            if starred:
                provided = {name: () for name in by_name}
                break
        else:
            index = 0
            for keyword, values, _ in args:
                if keyword is None:
                    if index < len(positional_names):
                        provided[positional_names[index]] = values
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
        # Asked at every `self.x` read. Once every constructor of the lineage has been analysed
        # this round, _analyze_function would only note them as callees of the value being
        # collected (see _eval_noting_callees): done here without the calls. Keyed by id of
        # the class, which the entry keeps alive; emptied with `_analyzed` at each round.
        known = self._initialized.get(id(cls))
        if known is not None and known[0] is cls:
            collecting = self._collecting
            if collecting is not None and collecting[0] == (id(self._function.node) if self._function else 0):
                for init in known[1]:
                    collecting[1].add(id(init.node))
            return
        inits = []
        for base in cls.lineage():
            init = base.methods.get("__init__")
            if init is not None:
                self._analyze_function(init)
                inits.append(init)
        if all(id(init) in self._analyzed for init in inits):
            self._initialized[id(cls)] = (cls, inits)

    # ---------------------------------------------------------- call dispatch

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
        if isinstance(callee, ImportedInstance):
            return self._call_imported_model(callee, node, args)
        if isinstance(callee, LibraryRef):
            self.resolved_callees[node] = callee.qualname
            return self._call_library(callee.qualname, node, args)
        return ()

    def _call_imported(self, qualname: str, node: Optional[cst.Call] = None, args=None) -> ValueSet:
        """`Net(...)` / `build_model(...)` imported from another module: what it returns is
        only known to the project join, so remember the name. A function given tensors may
        be another file's loss wrapper (`focal_ce(logits, y)`)."""
        if is_library_name(qualname):
            return ()
        if node is not None and args and any(outputs_of(values) for _, values, _ in args):
            wrapper = self.external_losses.get(qualname)
            if wrapper is None:
                self.imported_models.add(qualname)
            elif wrapper["kind"] == "function":
                return self._record_wrapped_loss(qualname, wrapper, node, args)
        return (ImportedInstance(qualname),)

    def _record_wrapped_loss(self, qualname: str, wrapper: Mapping[str, Any], node: cst.Call, args) -> ValueSet:
        """A call of another file's loss wrapper is a call of the loss it wraps."""
        inputs = outputs_of(argument_values(args, wrapper["input"], wrapper["input_name"]))
        targets = outputs_of(argument_values(args, wrapper["target"], wrapper["target_name"])) \
            if wrapper["target"] >= 0 else ()
        spelled = dotted_name(node.func) or qualname.rsplit(".", 1)[-1]
        self.loss_calls.append(LossCall(wrapper["loss"], spelled, node, inputs, targets))
        return numerics.loss_value(wrapper["loss"], node)

    def _call_imported_model(self, instance: ImportedInstance, node: cst.Call, args=None) -> ValueSet:
        wrapper = self.external_losses.get(instance.qualname)
        if wrapper is not None and wrapper["kind"] == "module" and args is not None:
            return self._record_wrapped_loss(instance.qualname, wrapper, node, args)
        returned = self.externals.get(instance.qualname)
        if returned is None:
            self.imported_models.add(instance.qualname)
            return (Output(IMPORTED, node, model=instance.qualname),)
        return decode_returns(returned, node)

    def _call_instance(self, instance: Instance, node: cst.Call, args) -> ValueSet:
        forward = instance.cls.find_method("forward")
        if forward is None and _imported_bases(instance.cls, self.aliases):
            # `forward` is inherited from a base class in another file: what it returns is
            # known to the project join, which resolves this file's class like an imported one.
            qualname = f"{THIS_FILE}.{instance.cls.name}"
            returned = self.externals.get(qualname)
            if returned is None:
                self.imported_models.add(qualname)
                return ()
            return tuple(through_model(value, instance.cls.name) for value in decode_returns(returned, node))
        if forward is None or not instance.cls.is_module:
            return ()
        returns = self._call_function(forward, node, args, instance)
        returns = join(returns, self._overrides_returned(instance.cls, forward))
        return tuple(through_model(value, instance.cls.name) for value in returns)

    def _overrides_returned(self, cls: ClassInfo, forward: FunctionInfo) -> ValueSet:
        """What the subclass's overrides return of the methods an inherited `forward` returns
        the result of (`return self.classify(h)` in the base, `classify` in `cls`): `self` in
        the base's forward is one abstract object of the base, so the override is added here,
        as Python's dispatch would call it."""
        if forward.owner is None or forward.owner is cls:
            return ()
        lineage = cls.lineage()
        derived = lineage[:lineage.index(forward.owner)] if forward.owner in lineage else []
        key = id(forward.node)
        if key not in self._self_calls:
            self._self_calls[key] = summary.returned_self_calls(forward)
        found: list[ValueSet] = []
        for method in self._self_calls[key]:
            override = cls.find_method(method)
            if override is not None and override.owner in derived:
                found.append(self._analyze_function(override))
        return join(*found)

    def _call_method(self, node: cst.Call, method: str, receivers: ValueSet, args) -> ValueSet:
        found: list[ValueSet] = []
        for receiver in receivers:
            if isinstance(receiver, Instance):
                found.append(self._instance_method(receiver, node, method, args))
            elif isinstance(receiver, ImportedInstance) and method in ("forward", "__call__"):
                found.append(self._call_imported_model(receiver, node, args))
            elif isinstance(receiver, ImportedInstance) and method in SELF_RETURNING_METHODS:
                found.append((receiver,))
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
        if method in SELF_RETURNING_METHODS and instance.cls.is_module:
            return (instance,)
        if method in ("add_module", "register_module") and len(args) >= 2:
            self._note_registered(args[1][1])
            self._add_named(instance.cls.attributes, args)
            return ()
        # `self.head(x)`: an attribute holding a layer, called.
        callees = self._instance_attribute(instance, method)
        return join(*(self._call_value(callee, node, args) for callee in callees))


def _loss_code(function: FunctionInfo) -> bool:
    """A loss or distance by name: `dice_loss`, `TripletLoss.forward` (not any forward)."""
    if function.name == "forward":
        return function.owner is not None and bool(GRADIENT_FUNCTION.search(function.owner.name))
    return bool(GRADIENT_FUNCTION.search(function.name))


def _last_word(name: str) -> str:
    """`Head` of `RPNHead`, `Encoder` of `TransformerEncoder`: the last CamelCase word."""
    match = _LAST_WORD.search(name)
    return match.group(0) if match else name


def _has_state(qualname: str) -> bool:
    """A torch layer with parameters, buffers or a train/eval mode (not ReLU, not a loss)."""
    layer = catalogue.nn_layer(qualname)
    return layer is not None and not layer.stateless and layer.kind != LOSS


def _imported_bases(cls: ClassInfo, aliases: Mapping[str, str]) -> bool:
    """Whether a class of the lineage has a base imported from a project file."""
    for owner in cls.lineage():
        for base in owner.node.bases:
            name = qualified_name(base.value, aliases) if base.keyword is None else None
            if name is not None and not is_library_name(name):
                return True
    return False


def _child_statements(statement: cst.CSTNode) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []
    if type(statement) is cst.If:
        found.extend(statement.body.body)
        found.extend(else_body(statement.orelse))
    elif type(statement) is cst.Try:
        found.extend(statement.body.body)
        for handler in statement.handlers:
            found.extend(handler.body.body)
    return found


def _returned(function: cst.FunctionDef) -> tuple[cst.BaseExpression, ...]:
    """What the function's own `return` statements return (nested definitions excluded)."""
    if type(function.body) is not cst.IndentedBlock:
        return ()
    return tuple(statement.value for statement in own_statements(function.body.body)
                 if type(statement) is cst.Return and statement.value is not None)


def _unique(items, key) -> list:
    seen = set()
    kept = []
    for item in items:
        marker = key(item)
        if marker not in seen:
            seen.add(marker)
            kept.append(item)
    return kept
