"""What the path facts say: scope roles, event kinds, and the scopes and events themselves.

Built by `nnlint.analysis.paths.build`, read by NNL501-NNL505 and by the preprocessing and dtype
facts that ride on the same object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator, Optional

import libcst as cst

from nnlint.analysis.program.syntax import descendants, dotted_name, names_in

if TYPE_CHECKING:
    from nnlint.analysis.paths.dtypes import DtypeFacts
    from nnlint.analysis.paths.preprocessing import PreprocessingFacts

# How many callers up a parameter's model is followed (`main -> run -> evaluate(model)`).
_MAX_PASS_DEPTH = 3

# Scope roles.
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


def same_model(a: str, b: str) -> bool:
    """`model` and `model.module`, `self.net` and `self.net.backbone` name the same model."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


@dataclass(frozen=True, eq=False)
class Event:
    kind: str
    node: cst.CSTNode
    target: str  # the model / receiver / callee, as written (`self.task_model`, `evaluate`)
    loops: tuple[int, ...] = ()  # ids of the enclosing loop statements, outermost first
    no_grad: bool = False
    # For LOCAL_CALL: the call node (arguments are read from it).
    call: Optional[cst.Call] = None
    # A call that is a statement of its own: its result is thrown away (`model(x)` in a
    # smoke test checks that it runs, not what it returns).
    discarded: bool = False
    # A model call whose result is bound to a name that is read only for its shape, dtype or
    # device (`out = model(x); assert out.shape == (2, 10)`): a shape test.
    shape_only: bool = False


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
    # What the models bound in this scope hold (True/False: with/without dropout or
    # batch-norm, None: unknown), by name: two functions may each bind `model` to another class.
    bound_mode_layers: dict[str, Optional[bool]] = field(default_factory=dict)
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
    # The file's model classes that surely have (True) or lack (False) dropout/batch-norm.
    class_modes: dict[str, bool] = field(default_factory=dict)
    # Models every construction of which leaves them in evaluation mode (`Net().eval()`,
    # `from_pretrained`).
    born_eval: set[str] = field(default_factory=set)
    preprocessing: Optional["PreprocessingFacts"] = None
    dtypes: Optional["DtypeFacts"] = None

    def mode_layers(self, model: str, scope: Scope, depth: int = 0) -> Optional[bool]:
        """Whether the model `scope` calls as `model` has dropout or batch-norm: the model the
        scope bound to that name itself when it did; for a parameter of the scope, the models
        its callers in the file pass (unknown when no caller is in view: a helper such as
        `generate(model, idx)` runs whatever model the code that imports it hands over); else
        what every binding of the name in the file says (a module-level model, `self.net`
        from `__init__`)."""
        if model in scope.bound_mode_layers:
            return scope.bound_mode_layers[model]
        root = model.split(".")[0]
        if root in scope.params and root not in ("self", "cls") and type(scope.node) is cst.FunctionDef:
            return self._passed_mode_layers(model, scope, depth)
        return self.has_mode_layers.get(model) if model in self.models else None

    def _passed_mode_layers(self, model: str, scope: Scope, depth: int) -> Optional[bool]:
        """What the callers in the file pass for the parameter `model` starts with: True when
        any passes a model with dropout or batch-norm, False when every one passes a model
        without, else None (no caller in view, or one whose argument is unknown)."""
        root, rest = (model.split(".", 1) + [""])[:2]
        found: list[Optional[bool]] = []
        for caller, index in self.callers(scope.name):
            if caller is scope or depth >= _MAX_PASS_DEPTH:
                return None
            passed = _passed_argument(scope, root, caller.events[index].call)
            if passed is None:
                return None
            found.append(self.mode_layers(passed + ("." + rest if rest else ""), caller, depth + 1))
        if not found or any(item is None for item in found):
            return True if any(found) else None
        return any(found)

    def runs_evaluation(self) -> bool:
        """An evaluation or inference path outside any model class (a script's predict())."""
        return any(scope.role == EVAL and not scope.in_module_class for scope in self.scopes)

    def scope_named(self, name: str) -> list[Scope]:
        return [scope for scope in self.scopes if scope.name == name]

    def final_mode(self, name: str, depth: int = 2) -> Optional[str]:
        """The mode a call of the file's function `name` leaves a model in: the kind of the
        last mode switch of its body (EVAL_SWITCH, TRAIN_SWITCH, or SWITCH for a mode chosen
        at run time), looking through the functions it calls (a `load_model()` / `prepare()` /
        `train_one_epoch()` helper); None when it switches nothing."""
        for scope in self.scope_named(name):
            for event in reversed(scope.events):
                if event.kind in (EVAL_SWITCH, SWITCH, TRAIN_SWITCH):
                    if _keeps_to_itself(scope, event.target):
                        continue  # `net = Net(); net.eval()` for an export: not the caller's model
                    return event.kind
                if event.kind == LOCAL_CALL and depth > 1 and event.target != name:
                    inner = self.final_mode(event.target, depth - 1)
                    if inner is not None:
                        return inner
        return None

    def callers(self, name: str) -> Iterator[tuple[Scope, int]]:
        """(scope, index of the LOCAL_CALL event) for each call of the function `name`."""
        for scope in self.scopes:
            for index, event in enumerate(scope.events):
                if event.kind == LOCAL_CALL and event.target == name:
                    yield scope, index


def _passed_argument(scope: Scope, param: str, call: Optional[cst.Call]) -> Optional[str]:
    """The dotted name `call` passes for `scope`'s parameter `param` (by keyword, or by
    position; a method called as `self.m(...)` / `obj.m(...)` binds `self` itself), or None."""
    if call is None:
        return None
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == param:
            return dotted_name(arg.value)
    params = list(scope.params)
    if params and params[0] in ("self", "cls") and type(call.func) is cst.Attribute:
        params = params[1:]
    if param not in params:
        return None
    position = params.index(param)
    positional = []
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            positional.append(arg.value)
    return dotted_name(positional[position]) if position < len(positional) else None


def _keeps_to_itself(scope: Scope, model: str) -> bool:
    """`model` is a local model the scope built and never hands back: a switch of its mode
    says nothing of the model the caller holds."""
    if model not in scope.constructed or "." in model or type(scope.node) is not cst.FunctionDef:
        return False
    for node in descendants(scope.node.body):  # the def itself would stop the walk
        if type(node) in (cst.Return, cst.Yield) and node.value is not None and model in names_in(node.value):
            return False
        if type(node) in (cst.Global, cst.Nonlocal) and any(n.name.value == model for n in node.names):
            return False
    return True
