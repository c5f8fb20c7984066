"""Training and evaluation paths: which code trains, which evaluates, and in which mode.

Read by NNL501-NNL505. A hand-written walk over statements (see `nnlint.analysis`) turns
every function, the module body and the `if __name__ == "__main__":` block into a *scope*:
an ordered list of events (mode switches `.eval()` / `.train()`, calls of a model,
`backward()` / optimizer `step()`, calls of the file's own functions), each with the loops
and `torch.no_grad()` blocks around it. A scope gets a role from its name
(`train*`/`fit*`/`training_step` train; `eval*`/`test*`/`valid*`/`predict*`/`infer*`/
`validation_step` evaluate) and from its body (a loop with `backward()`/`step()` trains; a
function decorated with `@torch.no_grad()` evaluates). The preprocessing and dtype facts
(`nnlint.analysis.preprocessing`, `nnlint.analysis.dtypes`) are attached to the same object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator, Optional, Sequence

import libcst as cst

from nnlint.analysis.syntax import child_nodes

from nnlint.analysis.facts import FileFacts
from nnlint.analysis.imports import qualified_name

if TYPE_CHECKING:
    from nnlint.analysis.dtypes import DtypeFacts
    from nnlint.analysis.preprocessing import PreprocessingFacts

TRAIN = "train"
EVAL = "eval"
OTHER = "other"

# Event kinds.
EVAL_SWITCH = "eval"        # model.eval(), model.train(False)
TRAIN_SWITCH = "train"      # model.train(), model.train(True)
SWITCH = "switch"           # model.train(flag): a mode chosen at run time
MODEL_CALL = "model"        # model(x)
STEP = "step"               # loss.backward(), optimizer.step()
LOCAL_CALL = "local"        # a call of one of the file's own functions

_TRAIN_NAME = re.compile(r"^_*(train|fit)(?!.*(loader|data|set|transform|split|aug))|^training_step$|_train$|^run_epoch",
                         re.IGNORECASE)
_EVAL_NAME = re.compile(r"^_*(eval|test|valid|predict|infer|inference|evaluate|validate)"
                        r"|^(validation|test|predict)_step$|_(eval|test|inference|predict)$", re.IGNORECASE)
# Hooks a framework (Lightning, HF Trainer) already runs in eval mode / under no_grad.
_FRAMEWORK_EVAL_HOOKS = re.compile(r"^(validation|test|predict)_step$|^on_(validation|test|predict)")
MODEL_NAME = re.compile(r"^(model|net|network|classifier|regressor|encoder|decoder|cnn|mlp|"
                        r"discriminator|generator|netg|netd|g|d|student|teacher)$|_model$|_net$|^model_|^net_",
                        re.IGNORECASE)
_NO_GRAD = frozenset({"torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad",
                      "torch.autograd.grad_mode.no_grad", "torch.autograd.grad_mode.inference_mode"})
# Constructors of whole models whose layers include dropout or batch-norm.
_MODEL_FACTORIES = re.compile(r"^(torchvision\.models\.|timm\.create_model$|timm\.models\.|"
                              r"segmentation_models_pytorch\.|transformers\..*from_pretrained$)")
_DROPOUT_OR_NORM = re.compile(r"Dropout|BatchNorm|SyncBatchNorm")
_OPTIMIZER_LIKE = re.compile(r"optim|opt$|^opt_|solver|scaler|accelerator", re.IGNORECASE)


def dotted(node: Optional[cst.CSTNode]) -> Optional[str]:
    """`self.model.module` for a chain of names; None for anything else."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def same_model(a: str, b: str) -> bool:
    """`model` and `model.module`, `self.net` and `self.net.backbone` name the same model."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def iter_calls(node: cst.CSTNode) -> Iterator[cst.Call]:
    """Every call inside an expression or simple statement, outermost first, not descending
    into lambdas, nested functions or classes."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.Lambda, cst.FunctionDef, cst.ClassDef)):
            continue
        if isinstance(current, cst.Call):
            yield current
        stack.extend(reversed(list(child_nodes(current))))


def statement_bodies(statement: cst.CSTNode) -> list[Sequence[cst.CSTNode]]:
    bodies: list[Sequence[cst.CSTNode]] = []
    for child in child_nodes(statement):
        if isinstance(child, cst.BaseSuite):
            bodies.append(child.body)
        elif isinstance(child, (cst.Else, cst.Finally, cst.ExceptHandler, cst.If)):
            bodies.extend(statement_bodies(child))
    return bodies


def header_expressions(statement: cst.CSTNode) -> list[cst.CSTNode]:
    """The expressions a compound statement evaluates itself (tests, iterables, with items)."""
    if isinstance(statement, (cst.If, cst.While)):
        return [statement.test]
    if isinstance(statement, cst.For):
        return [statement.iter]
    if isinstance(statement, cst.With):
        return [item.item for item in statement.items]
    return []


@dataclass(frozen=True, eq=False)
class Event:
    kind: str
    node: cst.CSTNode
    target: str  # the model / receiver / callee, as written (`self.task_model`, `evaluate`)
    loops: tuple[int, ...] = ()  # ids of the enclosing loop statements, outermost first
    no_grad: bool = False
    # For LOCAL_CALL: the call node (arguments are read from it).
    call: Optional[cst.Call] = None


@dataclass(eq=False)
class Scope:
    name: str
    node: cst.CSTNode
    params: list[str]
    role: str = OTHER
    cls: Optional[str] = None
    in_module_class: bool = False  # a method of an nn.Module / LightningModule subclass
    decorated_no_grad: bool = False
    events: list[Event] = field(default_factory=list)
    # Models built in this scope (`net = Net()`), and whether it loads weights.
    constructed: set[str] = field(default_factory=set)
    loads_weights: bool = False
    # The loop statements of this scope, by id, with their node.
    loops: dict[int, cst.CSTNode] = field(default_factory=dict)
    # ids of `with torch.no_grad()` statements and of the branches of `if phase == 'val'`.
    eval_blocks: dict[int, cst.CSTNode] = field(default_factory=dict)

    @property
    def trains(self) -> bool:
        return self.role == TRAIN


@dataclass(eq=False)
class PathFacts:
    scopes: list[Scope]
    # Names (dotted) known to hold a model, with the constructor call; None = a parameter.
    models: dict[str, Optional[cst.Call]]
    # Whether each model has dropout/batch-norm: True, False, or None (unknown).
    has_mode_layers: dict[str, Optional[bool]]
    # Receivers of `.parameters()` anywhere in the file (the models an optimizer trains).
    parameter_owners: set[str]
    # Receivers `X.double()` / `.to(torch.float64)` (models switched to float64).
    double_models: set[str]
    preprocessing: Optional["PreprocessingFacts"] = None
    dtypes: Optional["DtypeFacts"] = None

    def scope_named(self, name: str) -> list[Scope]:
        return [scope for scope in self.scopes if scope.name == name]

    def callers(self, name: str) -> Iterator[tuple[Scope, int]]:
        """(scope, index of the LOCAL_CALL event) for each call of the function `name`."""
        for scope in self.scopes:
            for index, event in enumerate(scope.events):
                if event.kind == LOCAL_CALL and event.target == name:
                    yield scope, index


class _Builder:
    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts
        self.aliases = facts.imports
        self.scopes: list[Scope] = []
        self.models: dict[str, Optional[cst.Call]] = {}
        self.has_mode_layers: dict[str, Optional[bool]] = {}
        self.parameter_owners: set[str] = set()
        self.double_models: set[str] = set()
        self.local_functions: set[str] = set()
        self.module_classes = set(facts.models)

    # ------------------------------------------------------------------ driver

    def run(self) -> PathFacts:
        module = self.facts.module
        self._collect_functions(module.body, None, False)
        self._find_models(module.body)
        main = Scope("<module>", module, [])
        self.scopes.append(main)
        self._walk_block(module.body, main, (), False, top=True)
        self._classify(main)
        pending: list[tuple[Sequence[cst.CSTNode], Optional[str], bool]] = [(module.body, None, False)]
        while pending:
            body, cls, is_module = pending.pop()
            for statement in body:
                if isinstance(statement, cst.FunctionDef):
                    self._function_scope(statement, cls, is_module)
                elif isinstance(statement, cst.ClassDef):
                    pending.append((statement.body.body, statement.name.value, self._is_module_class(statement)))
                elif isinstance(statement, cst.BaseCompoundStatement):
                    for inner in statement_bodies(statement):
                        pending.append((inner, cls, is_module))
        return PathFacts(self.scopes, self.models, self.has_mode_layers, self.parameter_owners,
                         self.double_models)

    def _is_module_class(self, node: cst.ClassDef) -> bool:
        if node.name.value in self.module_classes:
            return True
        for base in node.bases:
            name = qualified_name(base.value, self.aliases) or dotted(base.value) or ""
            if re.search(r"Module$|LightningModule$|Model$|PreTrainedModel", name):
                return True
        return False

    def _collect_functions(self, body: Sequence[cst.CSTNode], cls: Optional[str], nested: bool) -> None:
        for statement in body:
            if isinstance(statement, cst.FunctionDef):
                self.local_functions.add(statement.name.value)
                self._collect_functions(statement.body.body, cls, True)
            elif isinstance(statement, cst.ClassDef):
                self._collect_functions(statement.body.body, statement.name.value, nested)
            elif isinstance(statement, cst.BaseCompoundStatement):
                for inner in statement_bodies(statement):
                    self._collect_functions(inner, cls, nested)

    # ------------------------------------------------------------------ models

    def _find_models(self, body: Sequence[cst.CSTNode]) -> None:
        """Names bound anywhere to a model constructor, and what is known of their layers."""
        pending = [body]
        while pending:
            for statement in pending.pop():
                if isinstance(statement, cst.SimpleStatementLine):
                    for small in statement.body:
                        self._model_assignment(small)
                        for call in iter_calls(small):
                            self._note_model_method(call)
                elif isinstance(statement, cst.BaseCompoundStatement):
                    for expression in header_expressions(statement):
                        for call in iter_calls(expression):
                            self._note_model_method(call)
                    pending.extend(statement_bodies(statement))

    def _note_model_method(self, call: cst.Call) -> None:
        if not isinstance(call.func, cst.Attribute):
            return
        receiver = dotted(call.func.value)
        if receiver is None:
            return
        method = call.func.attr.value
        if method in ("parameters", "named_parameters"):
            self.parameter_owners.add(receiver)
        elif method == "double" or (method in ("to", "type") and any(
                (qualified_name(arg.value, self.aliases) or "") in ("torch.float64", "torch.double",
                                                                     "torch.DoubleTensor")
                for arg in call.args)):
            self.double_models.add(receiver)

    def _model_assignment(self, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.Assign):
            targets = [target.target for target in small.targets]
            value = small.value
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            targets, value = [small.target], small.value
        else:
            return
        call = self._strip_to(value)
        if call is None:
            return
        known = self._model_constructor(call)
        if known is _NOT_A_MODEL:
            return
        doubled = _converted_to_double(value, call, self.aliases)
        for target in targets:
            name = dotted(target)
            if name is None:
                continue
            self.models[name] = call
            if doubled:
                self.double_models.add(name)
            if name in self.has_mode_layers:
                previous = self.has_mode_layers[name]
                known = True if (previous or known) else (None if previous is None or known is None else False)
            self.has_mode_layers[name] = known

    def _strip_to(self, value: cst.BaseExpression) -> Optional[cst.Call]:
        """`Net().to(device)` -> `Net()`; `nn.DataParallel(Net())` -> `Net()`."""
        while isinstance(value, cst.Call):
            func = value.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("to", "cuda", "cpu", "float", "half",
                                                                       "double", "train", "eval") \
                    and isinstance(func.value, cst.Call):
                value = func.value
                continue
            name = qualified_name(func, self.aliases) or ""
            if name.endswith(("DataParallel", "DistributedDataParallel")) and value.args:
                inner = value.args[0].value
                if isinstance(inner, cst.Call):
                    value = inner
                    continue
            return value
        return None

    def _model_constructor(self, call: cst.Call):
        """True/False: a model with/without dropout or batch-norm; None: a model, layers
        unknown; _NOT_A_MODEL otherwise."""
        func = call.func
        if isinstance(func, cst.Name) and func.value in self.module_classes:
            return self._class_has_mode_layers(func.value, set())
        name = qualified_name(func, self.aliases)
        if name is None:
            if isinstance(func, cst.Attribute) and func.attr.value == "from_pretrained":
                return True
            return _NOT_A_MODEL
        if name == "torch.nn.Sequential":
            return self._sequential_has_mode_layers(call)
        if _MODEL_FACTORIES.search(name):
            return True
        return _NOT_A_MODEL

    def _sequential_has_mode_layers(self, call: cst.Call) -> Optional[bool]:
        unknown = False
        for arg in call.args:
            if not isinstance(arg.value, cst.Call):
                unknown = True
                continue
            inner = arg.value
            if isinstance(inner.func, cst.Name) and inner.func.value in self.module_classes:
                found = self._class_has_mode_layers(inner.func.value, set())
                if found:
                    return True
                unknown = unknown or found is None
                continue
            name = qualified_name(inner.func, self.aliases) or ""
            if _DROPOUT_OR_NORM.search(name):
                return True
            if not name.startswith("torch.nn."):
                unknown = True
            elif name == "torch.nn.Sequential":
                found = self._sequential_has_mode_layers(inner)
                if found:
                    return True
                unknown = unknown or found is None
        return None if unknown else False

    def _class_has_mode_layers(self, cls: str, seen: set[str]) -> Optional[bool]:
        model = self.facts.models.get(cls)
        if model is None or cls in seen:
            return None
        seen.add(cls)
        unknown = False
        for layer in model.layers.values():
            if _DROPOUT_OR_NORM.search(layer):
                return True
            if layer in self.facts.models:
                found = self._class_has_mode_layers(layer, seen)
                if found:
                    return True
                unknown = unknown or found is None
        # Layers built anywhere in the class (inside a Sequential, by a helper method) and
        # functional dropout in forward (`F.dropout(x, training=self.training)`) count too.
        if isinstance(model.node, cst.ClassDef):
            for statement in _all_statements(model.node.body.body):
                if isinstance(statement, cst.BaseCompoundStatement):
                    continue
                for call in iter_calls(statement):
                    name = qualified_name(call.func, self.aliases) or ""
                    if _DROPOUT_OR_NORM.search(name) or re.search(r"\.(dropout\w*|batch_norm)$", name) \
                            or _MODEL_FACTORIES.search(name):
                        return True
                    if isinstance(call.func, cst.Name) and call.func.value in self.facts.models \
                            and call.func.value != cls:
                        found = self._class_has_mode_layers(call.func.value, seen)
                        if found:
                            return True
                        unknown = unknown or found is None
        if not model.layers:
            return None
        return None if unknown else False

    def model_of_call(self, call: cst.Call, scope: Scope) -> Optional[str]:
        """The model a call applies, as written: `model(x)`, `self.net(x)`."""
        name = dotted(call.func)
        if name is None or name == "self":
            return None
        if scope.in_module_class and name.startswith("self."):
            return None  # a submodule follows its parent's mode
        if name in self.models:
            return name
        if name in scope.params and MODEL_NAME.search(name):
            return name
        last = name.rsplit(".", 1)[-1]
        if "." in name and MODEL_NAME.search(last) and name.split(".")[0] == "self":
            return name
        return None

    # ------------------------------------------------------------------ scopes

    def _function_scope(self, node: cst.FunctionDef, cls: Optional[str], is_module: bool) -> None:
        params = [param.name.value for param in
                  (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params)]
        scope = Scope(node.name.value, node, params, cls=cls, in_module_class=is_module)
        for decorator in node.decorators:
            target = decorator.decorator
            if isinstance(target, cst.Call):
                target = target.func
            if (qualified_name(target, self.aliases) or "") in _NO_GRAD:
                scope.decorated_no_grad = True
        self.scopes.append(scope)
        self._walk_block(node.body.body, scope, (), scope.decorated_no_grad)
        self._classify(scope)
        # Nested functions are scopes of their own.
        pending = [node.body.body]
        while pending:
            for statement in pending.pop():
                if isinstance(statement, cst.FunctionDef):
                    self._function_scope(statement, cls, is_module)
                elif isinstance(statement, cst.BaseCompoundStatement) and not isinstance(statement, cst.ClassDef):
                    pending.extend(statement_bodies(statement))

    def _classify(self, scope: Scope) -> None:
        steps_in_loop = any(event.kind == STEP and event.loops for event in scope.events)
        any_step = any(event.kind == STEP for event in scope.events)
        if scope.name == "<module>":
            scope.role = TRAIN if steps_in_loop else OTHER
        elif _TRAIN_NAME.search(scope.name) or steps_in_loop or (any_step and not _EVAL_NAME.search(scope.name)):
            scope.role = TRAIN
        elif _EVAL_NAME.search(scope.name) or scope.decorated_no_grad:
            scope.role = EVAL

    def _walk_block(self, body: Sequence[cst.CSTNode], scope: Scope, loops: tuple[int, ...], no_grad: bool,
                    top: bool = False) -> None:
        for statement in body:
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                continue
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self._events(small, scope, loops, no_grad)
                    if isinstance(small, cst.Assign):
                        call = self._strip_to(small.value)
                        if call is not None and self._model_constructor(call) is not _NOT_A_MODEL:
                            scope.constructed.update(filter(None, (dotted(t.target) for t in small.targets)))
                continue
            for expression in header_expressions(statement):
                self._events(expression, scope, loops, no_grad)
            inner_loops = loops
            inner_no_grad = no_grad
            if isinstance(statement, (cst.For, cst.While)):
                scope.loops[id(statement)] = statement
                inner_loops = loops + (id(statement),)
            elif isinstance(statement, cst.With) and any(self._disables_grad(item.item) for item in statement.items):
                scope.eval_blocks[id(statement)] = statement
                inner_no_grad = True
            if isinstance(statement, cst.If) and top and _is_main_test(statement.test):
                # `if __name__ == "__main__":` is a scope of its own.
                main = Scope("<main>", statement, [])
                self.scopes.append(main)
                self._walk_block(statement.body.body, main, (), False)
                self._classify(main)
                if main.role == OTHER and any(event.kind == MODEL_CALL for event in main.events):
                    main.role = EVAL
                continue
            if isinstance(statement, cst.If) and statement.orelse is not None:
                self._walk_if(statement, scope, inner_loops, inner_no_grad)
                continue
            for inner in statement_bodies(statement):
                self._walk_block(inner, scope, inner_loops, inner_no_grad)

    def _walk_if(self, statement: cst.If, scope: Scope, loops: tuple[int, ...], no_grad: bool) -> None:
        """`if phase == 'train': model.train() else: model.eval()` sets the mode at run time:
        one SWITCH event instead of a train and an eval switch one after the other."""
        start = len(scope.events)
        self._walk_block(statement.body.body, scope, loops, no_grad)
        middle = len(scope.events)
        orelse = statement.orelse
        if isinstance(orelse, cst.If):
            self._walk_block([orelse], scope, loops, no_grad)
        else:
            self._walk_block(orelse.body.body, scope, loops, no_grad)
        first = {event.kind for event in scope.events[start:middle]}
        second = {event.kind for event in scope.events[middle:]}
        if (TRAIN_SWITCH in first and EVAL_SWITCH in second) or (EVAL_SWITCH in first and TRAIN_SWITCH in second):
            switches = [event for event in scope.events[start:] if event.kind in (TRAIN_SWITCH, EVAL_SWITCH)]
            scope.events[start:] = [
                Event(SWITCH, event.node, event.target, event.loops, event.no_grad)
                if event.kind in (TRAIN_SWITCH, EVAL_SWITCH) else event
                for event in scope.events[start:]
            ]
            del switches

    def _disables_grad(self, expression: cst.BaseExpression) -> bool:
        if isinstance(expression, cst.Call):
            name = qualified_name(expression.func, self.aliases) or ""
            if name in _NO_GRAD:
                return True
            if name in ("torch.set_grad_enabled", "torch.autograd.set_grad_enabled") and expression.args:
                value = expression.args[0].value
                return isinstance(value, cst.Name) and value.value == "False"
        return False

    def _events(self, node: cst.CSTNode, scope: Scope, loops: tuple[int, ...], no_grad: bool) -> None:
        calls = list(iter_calls(node))
        # Innermost calls run first: `model(x).argmax()` calls the model before argmax.
        for call in reversed(calls):
            event = self._event(call, scope, loops, no_grad)
            if event is not None:
                scope.events.append(event)

    def _event(self, call: cst.Call, scope: Scope, loops: tuple[int, ...], no_grad: bool) -> Optional[Event]:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("load_state_dict", "load", "from_pretrained",
                                                                   "load_checkpoint", "load_from_checkpoint"):
            scope.loads_weights = True
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            receiver = dotted(_strip_moves(func.value))
            if method == "eval" and not call.args and receiver is not None:
                return Event(EVAL_SWITCH, call, receiver, loops, no_grad)
            if method == "train" and receiver is not None and not _is_call_of_optimizer(receiver):
                if not call.args:
                    return Event(TRAIN_SWITCH, call, receiver, loops, no_grad)
                flag = call.args[0].value
                if isinstance(flag, cst.Name) and flag.value in ("True", "False"):
                    kind = TRAIN_SWITCH if flag.value == "True" else EVAL_SWITCH
                    return Event(kind, call, receiver, loops, no_grad)
                return Event(SWITCH, call, receiver, loops, no_grad)
            if method == "backward" and receiver is not None and receiver != "torch.autograd":
                return Event(STEP, call, receiver, loops, no_grad)
            if method == "step" and receiver is not None and _OPTIMIZER_LIKE.search(receiver.rsplit(".", 1)[-1]) \
                    and "sched" not in receiver.lower():
                return Event(STEP, call, receiver, loops, no_grad)
            if receiver == "self" and method in self.local_functions:
                return Event(LOCAL_CALL, call, method, loops, no_grad, call)
        elif isinstance(func, cst.Name) and func.value in self.local_functions and func.value not in self.module_classes:
            return Event(LOCAL_CALL, call, func.value, loops, no_grad, call)
        model = self.model_of_call(call, scope)
        if model is not None:
            return Event(MODEL_CALL, call, model, loops, no_grad)
        return None


class _NotAModel:
    pass


_NOT_A_MODEL = _NotAModel()


def _strip_moves(node: cst.BaseExpression) -> cst.BaseExpression:
    """`model.to(device)` -> `model`: moving a model keeps its identity."""
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in (
            "to", "cuda", "cpu", "float", "half", "double"):
        node = node.func.value
    return node


def _converted_to_double(value: cst.BaseExpression, inner: cst.Call, aliases: dict[str, str]) -> bool:
    """`Net().double()`, `Net().to(torch.float64)`: the chain from `inner` out to `value`."""
    while isinstance(value, cst.Call) and value is not inner and isinstance(value.func, cst.Attribute):
        method = value.func.attr.value
        if method == "double" or (method in ("to", "type") and any(
                (qualified_name(arg.value, aliases) or "") in ("torch.float64", "torch.double") for arg in value.args)):
            return True
        value = value.func.value
    return False


def _is_call_of_optimizer(receiver: str) -> bool:
    return bool(_OPTIMIZER_LIKE.search(receiver.rsplit(".", 1)[-1]))


def _is_main_test(test: cst.BaseExpression) -> bool:
    return (isinstance(test, cst.Comparison) and isinstance(test.left, cst.Name)
            and test.left.value == "__name__")


def _method(node: cst.CSTNode, name: str) -> Optional[cst.FunctionDef]:
    if isinstance(node, cst.ClassDef):
        for statement in node.body.body:
            if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
                return statement
    return None


def _all_statements(body: Sequence[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    """Every statement at any depth (including nested functions' statements)."""
    pending = [body]
    while pending:
        for statement in pending.pop():
            yield statement
            if isinstance(statement, cst.SimpleStatementLine):
                yield from statement.body
            elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                pending.append(statement.body.body)
            elif isinstance(statement, cst.BaseCompoundStatement):
                pending.extend(statement_bodies(statement))
                for expression in header_expressions(statement):
                    yield expression


def all_statements(body: Sequence[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    return _all_statements(body)


def build_path_facts(facts: FileFacts) -> None:
    paths = _Builder(facts).run()
    from nnlint.analysis.dtypes import build_dtype_facts
    from nnlint.analysis.preprocessing import build_preprocessing_facts

    paths.preprocessing = build_preprocessing_facts(facts, paths)
    paths.dtypes = build_dtype_facts(facts, paths)
    facts.paths = paths
