"""The optimization loop: optimizers, schedulers, training loops and what runs inside them.

Read by the NNL6xx rules. The builder walks statements by hand (see `nnlint.analysis`):
every function, method and the module's top-level code is one *scope*. Walking a scope in
textual order records *events* — `backward()`, `optimizer.step()`, `zero_grad()`, gradient
reads, `x += loss` accumulations, assignments — each with the chain of loops around it and
the branches (`if`/`try`) it sits in. A call of a function or method of the same file
(`train_step(...)`, `self.update(...)`, a closure passed to `step(closure)`) inserts that
helper's own events at the call, one level deep, so a loop whose step lives in a helper is
still seen whole.

On top of the events the builder derives what needs order across a scope: which optimizer
was built from a model that is afterwards re-bound (NNL607).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Iterator, Optional, Sequence, Union

import libcst as cst

from nnlint.analysis.syntax import child_nodes

from nnlint.analysis.facts import FileFacts
from nnlint.analysis.imports import qualified_name

# Event kinds.
BACKWARD = "backward"          # loss.backward(), scaler.scale(loss).backward(), accelerator.backward(loss)
STEP = "step"                  # x.step(...); scaler.step(opt) is a step of `opt`
ZERO_GRAD = "zero_grad"        # x.zero_grad(), p.grad = None, p.grad.zero_()
GRAD_READ = "grad_read"        # p.grad read, torch.autograd.grad(...): gradients used by hand
ACCUMULATE = "accumulate"      # total += loss / total = total + loss
ASSIGN = "assign"              # name = value (Name or dotted attribute target)
OTHER_UPDATE = "other_update"  # a call named like an update we cannot see (`self.optimizer_step()`)
LOSS = "loss"                  # a value named like a loss assigned, or a loss function called

Loop = Union[cst.For, cst.While]

OPTIMIZER_CLASSES = frozenset(
    "SGD Adam AdamW Adamax NAdam RAdam SparseAdam RMSprop Adagrad Adadelta ASGD Rprop LBFGS "
    "FusedAdam FusedSGD FusedLAMB Lamb LAMB Lion Adafactor".split()
)
_OPTIMIZER_ROOTS = ("torch.optim", "transformers", "apex", "timm.optim", "deepspeed", "bitsandbytes")
_SCHEDULER_PREFIX = "torch.optim.lr_scheduler."

# Names that say "this is an optimizer" for a receiver we cannot resolve.
_OPTIMIZER_NAME = re.compile(r"optim|^opt(?!ion)|_opt(?!ion)|opt_|solver", re.IGNORECASE)
_SCHEDULER_NAME = re.compile(r"sched|^lr_|_lr$|warmup", re.IGNORECASE)
_UPDATE_CALL = re.compile(r"optim|update|step", re.IGNORECASE)
_LOSS_NAME = re.compile(r"loss", re.IGNORECASE)
_LOSS_CALLEE = re.compile(r"loss|criterion|cross_entropy|nll|mse|bce", re.IGNORECASE)


@dataclass(frozen=True)
class Branch:
    """One arm of an `if` or `try`: `node` the statement, `arm` which arm, `depth` how many
    loops enclosed it."""

    node_id: int
    arm: int
    depth: int


@dataclass(eq=False)
class Event:
    kind: str
    node: cst.CSTNode
    # The dotted receiver (`optimizer`, `self.opt`); for a scaler step, the optimizer argument.
    receiver: str = ""
    # Names the event is about: the loss names of a backward, the value names of an accumulation.
    names: tuple[str, ...] = ()
    # The accumulation or assignment target.
    target: str = ""
    has_args: bool = False
    # Loops around the event, outermost first (a helper's loops after its call site's).
    chain: tuple[cst.CSTNode, ...] = ()
    branches: tuple[Branch, ...] = ()
    no_grad: bool = False
    # The call of the helper function this event was found in; None when in the scope itself.
    via: Optional[cst.Call] = None
    value: Optional[cst.BaseExpression] = None

    def in_loop(self, loop: cst.CSTNode) -> bool:
        return any(item is loop for item in self.chain)

    def conditional_in(self, loop: cst.CSTNode) -> bool:
        """Under an `if`/`try` inside `loop` (rather than around it)."""
        depth = next(i for i, item in enumerate(self.chain) if item is loop) + 1
        return any(branch.depth >= depth for branch in self.branches)


def compatible(a: Event, b: Event) -> bool:
    """Both events can run in the same pass: no `if` puts them in different arms."""
    arms = {branch.node_id: branch.arm for branch in a.branches}
    return all(arms.get(branch.node_id, branch.arm) == branch.arm for branch in b.branches)


@dataclass(eq=False)
class TrainingLoop:
    node: Loop
    parent: Optional["TrainingLoop"]
    target: str    # the for-loop variable(s), as written
    iterable: str  # what it iterates over (the while test for a while loop), as written

    @property
    def nested(self) -> bool:
        return self.parent is not None


@dataclass(eq=False)
class OptimizerConstruction:
    node: cst.Call
    cls: str                      # Adam, SGD ...
    qualified: str
    lr: Optional[float]           # the literal learning rate, when known
    lr_node: Optional[cst.CSTNode]
    bound_to: str                 # the name it is assigned to ("" if not assigned)
    models: tuple[str, ...]       # receivers of `.parameters()` in its arguments (`model`, `self.net`)


@dataclass(eq=False)
class SchedulerConstruction:
    node: cst.Call
    cls: str
    bound_to: str
    # Its period arguments (T_max, step_size, milestones...) are written in iterations/steps.
    per_iteration: bool
    gamma: Optional[float]


@dataclass(eq=False)
class ForwardCall:
    node: cst.Call
    receiver: str          # `model`, `self.net`, `nn.Module`
    function: str          # the enclosing function's name
    class_qualified: bool  # `Base.forward(self, x)` / `super().forward(x)`: a parent's forward


@dataclass(eq=False)
class StaleOptimizer:
    optimizer: OptimizerConstruction
    model: str
    rebinding: cst.CSTNode       # the statement re-binding the model
    value: cst.BaseExpression    # what it is re-bound to
    use: Optional[cst.CSTNode]   # a later step of the optimizer (or the helper that steps it)


@dataclass(eq=False)
class Scope:
    """A function, method or the module's top-level code, with its events in textual order
    (helpers' events inserted at their calls)."""

    name: str
    node: cst.CSTNode
    events: list[Event] = field(default_factory=list)
    loops: list[TrainingLoop] = field(default_factory=list)

    def of_kind(self, *kinds: str) -> Iterator[Event]:
        return (event for event in self.events if event.kind in kinds)


@dataclass(eq=False)
class TrainingFacts:
    scopes: list[Scope] = field(default_factory=list)
    optimizers: list[OptimizerConstruction] = field(default_factory=list)
    schedulers: list[SchedulerConstruction] = field(default_factory=list)
    forward_calls: list[ForwardCall] = field(default_factory=list)
    stale_optimizers: list[StaleOptimizer] = field(default_factory=list)

    def optimizer_names(self) -> set[str]:
        return {opt.bound_to for opt in self.optimizers if opt.bound_to}

    def scheduler_names(self) -> set[str]:
        return {sched.bound_to for sched in self.schedulers if sched.bound_to}

    def is_optimizer(self, receiver: str) -> bool:
        """`receiver` is bound to an optimizer built in this file, or named like one and not
        like a scheduler."""
        if not receiver:
            return False
        if receiver in self.optimizer_names():
            return True
        if receiver in self.scheduler_names():
            return False
        last = _last(receiver)
        return bool(_OPTIMIZER_NAME.search(last)) and not _SCHEDULER_NAME.search(last)

    def schedulers_named(self, receiver: str) -> list[SchedulerConstruction]:
        return [sched for sched in self.schedulers if sched.bound_to == receiver]


# --------------------------------------------------------------------- tree helpers


def _expressions(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node under an expression or small statement, in textual order, not entering
    lambdas' bodies' definitions (there are none) nor nested statements."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, (cst.FunctionDef, cst.ClassDef)):
            continue
        stack.extend(reversed(list(child_nodes(current))))


def dotted(node: Optional[cst.BaseExpression]) -> str:
    """`self.opt` for an attribute chain of names; `opts[0]` -> `opts`; "" otherwise."""
    parts: list[str] = []
    current = node
    while True:
        if isinstance(current, cst.Attribute):
            parts.append(current.attr.value)
            current = current.value
        elif isinstance(current, cst.Subscript):
            current = current.value
        elif isinstance(current, cst.Name):
            parts.append(current.value)
            return ".".join(reversed(parts))
        else:
            return ""


def receiver_is_self(node: cst.BaseExpression) -> bool:
    """`self.backward_G()`: a method of the training class doing the backward pass."""
    return isinstance(node, cst.Name) and node.value == "self"


def _last(receiver: str) -> str:
    return receiver.rsplit(".", 1)[-1]


def _root(receiver: str) -> str:
    return receiver.split(".", 1)[0]


def _names_in(node: cst.CSTNode) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n.value for n in _expressions(node) if isinstance(n, cst.Name)))


def _bare_tensor_names(node: cst.BaseExpression) -> tuple[str, ...]:
    """Names whose value an arithmetic expression keeps as it is (`loss`, `loss * n`), not
    through a call (`loss.item()`, `float(loss)`), an attribute (`loss.data`) or an index."""
    if isinstance(node, cst.Name):
        return (node.value,)
    if isinstance(node, cst.BinaryOperation):
        return _bare_tensor_names(node.left) + _bare_tensor_names(node.right)
    if isinstance(node, cst.UnaryOperation):
        return _bare_tensor_names(node.expression)
    return ()


def _number(node: Optional[cst.BaseExpression], constants: dict[str, float]) -> Optional[float]:
    """The value of a numeric literal expression (`1e-3`, `0.1 / 8`, `10 ** -4`, a constant)."""
    if isinstance(node, (cst.Integer, cst.Float)):
        try:
            return float(node.evaluated_value)
        except (ValueError, OverflowError):
            return None
    if isinstance(node, cst.Name):
        return constants.get(node.value)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        value = _number(node.expression, constants)
        return None if value is None else -value
    if isinstance(node, cst.BinaryOperation):
        left, right = _number(node.left, constants), _number(node.right, constants)
        if left is None or right is None:
            return None
        try:
            if isinstance(node.operator, cst.Multiply):
                return left * right
            if isinstance(node.operator, cst.Divide) and right:
                return left / right
            if isinstance(node.operator, cst.Power) and abs(right) < 64:
                return float(left ** right)
            if isinstance(node.operator, cst.Add):
                return left + right
            if isinstance(node.operator, cst.Subtract):
                return left - right
        except (OverflowError, ZeroDivisionError, TypeError):
            return None
    return None


def _arg(call: cst.Call, position: int, keyword: str) -> Optional[cst.BaseExpression]:
    positional = 0
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value == keyword:
                return arg.value
        elif arg.star:
            return None
        else:
            if positional == position:
                return arg.value
            positional += 1
    return None


def _suite_body(suite: Optional[cst.CSTNode]) -> Sequence[cst.CSTNode]:
    if suite is None:
        return ()
    body = getattr(suite, "body", ())
    if isinstance(body, cst.BaseSuite):
        body = body.body
    return body  # type: ignore[return-value]


def _code(node: Optional[cst.CSTNode]) -> str:
    if node is None:
        return ""
    return cst.Module(body=[]).code_for_node(node)


# --------------------------------------------------------------------- the builder

@dataclass(eq=False)
class _Function:
    name: str
    node: cst.CSTNode
    body: Sequence[cst.CSTNode]
    cls: Optional[str]
    own: list[Event] = field(default_factory=list)
    loops: list[TrainingLoop] = field(default_factory=list)
    # Helper calls: (position in `own`, call node, function name resolved, chain, branches, no_grad).
    calls: list[tuple[int, cst.Call, "_Function", tuple, tuple, bool]] = field(default_factory=list)


_SAME_MODULE_METHODS = frozenset({"to", "cuda", "cpu", "float", "double", "half", "bfloat16", "train", "eval",
                                  "requires_grad_", "apply", "to_empty"})
_PER_ITERATION_WORDS = re.compile(r"len\(|step|iter|batch|total|num_train|updates", re.IGNORECASE)
_PERIOD_ARGS = {
    "StepLR": ((1, "step_size"),),
    "MultiStepLR": ((1, "milestones"),),
    "CosineAnnealingLR": ((1, "T_max"),),
    "ExponentialLR": (),
}


class _Builder:
    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts
        self.aliases = facts.imports
        self.result = TrainingFacts()
        self.functions: list[_Function] = []
        self.module_functions: dict[str, _Function] = {}
        self.methods: dict[tuple[str, str], _Function] = {}
        self.nested: dict[int, dict[str, _Function]] = {}  # id(parent function node) -> nested defs
        self.constants: dict[str, float] = {}
        self._constructed: dict[int, Union[OptimizerConstruction, SchedulerConstruction]] = {}
        self._constant_counts: dict[str, int] = {}

    # ---------------------------------------------------------------- collection
    def run(self) -> TrainingFacts:
        module = self.facts.module
        top = _Function("<module>", module, module.body, None)
        self.functions.append(top)
        self._collect_definitions(module.body, None, top)
        self._collect_constants(module.body)
        for function in self.functions:
            self._walk_block(function, function.body, (), (), False)
        for function in self.functions:
            self.result.scopes.append(self._expand(function))
        self._find_stale_optimizers()
        return self.result

    def _collect_definitions(self, body: Sequence[cst.CSTNode], cls: Optional[str], parent: _Function) -> None:
        for statement in body:
            if isinstance(statement, cst.FunctionDef):
                name = statement.name.value
                function = _Function(f"{cls}.{name}" if cls else name, statement,
                                     _suite_body(statement.body), cls)
                self.functions.append(function)
                if cls is not None:
                    self.methods[(cls, name)] = function
                elif parent.name == "<module>":
                    self.module_functions[name] = function
                else:
                    self.nested.setdefault(id(parent.node), {})[name] = function
                self._collect_definitions(function.body, None, function)
            elif isinstance(statement, cst.ClassDef):
                self._collect_definitions(_suite_body(statement.body), statement.name.value, parent)
            elif isinstance(statement, (cst.If, cst.Try, cst.With, cst.For, cst.While)) and parent.name == "<module>":
                for block in self._blocks(statement):
                    self._collect_definitions(block, cls, parent)

    def _collect_constants(self, body: Sequence[cst.CSTNode]) -> None:
        """Module-level names bound once to a number: `LR = 1e-3`."""
        for statement in body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1 \
                        and isinstance(small.targets[0].target, cst.Name):
                    name = small.targets[0].target.value
                    self._constant_counts[name] = self._constant_counts.get(name, 0) + 1
                    value = _number(small.value, {})
                    if value is not None:
                        self.constants[name] = value
        for name, count in self._constant_counts.items():
            if count > 1:
                self.constants.pop(name, None)

    @staticmethod
    def _blocks(statement: cst.CSTNode) -> Iterator[Sequence[cst.CSTNode]]:
        if isinstance(statement, cst.If):
            yield _suite_body(statement.body)
            if statement.orelse is not None:
                if isinstance(statement.orelse, cst.If):
                    yield from _Builder._blocks(statement.orelse)
                else:
                    yield _suite_body(statement.orelse.body)
        elif isinstance(statement, cst.Try):
            yield _suite_body(statement.body)
            for handler in statement.handlers:
                yield _suite_body(handler.body)
            if statement.orelse is not None:
                yield _suite_body(statement.orelse.body)
            if statement.finalbody is not None:
                yield _suite_body(statement.finalbody.body)
        elif isinstance(statement, (cst.With, cst.For, cst.While)):
            yield _suite_body(statement.body)
            if getattr(statement, "orelse", None) is not None:
                yield _suite_body(statement.orelse.body)  # type: ignore[union-attr]

    # ---------------------------------------------------------------- walking one function
    def _walk_block(self, function: _Function, body: Sequence[cst.CSTNode], chain: tuple,
                    branches: tuple, no_grad: bool) -> None:
        for statement in body:
            self._walk_statement(function, statement, chain, branches, no_grad)

    def _walk_statement(self, function: _Function, statement: cst.CSTNode, chain: tuple,
                        branches: tuple, no_grad: bool) -> None:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            return
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                self._walk_small(function, small, chain, branches, no_grad)
            return
        depth = len(chain)
        if isinstance(statement, cst.If):
            self._scan(function, statement.test, chain, branches, no_grad)
            self._walk_block(function, _suite_body(statement.body), chain,
                             branches + (Branch(id(statement), 0, depth),), no_grad)
            if statement.orelse is not None:
                inner = branches + (Branch(id(statement), 1, depth),)
                if isinstance(statement.orelse, cst.If):
                    self._walk_statement(function, statement.orelse, chain, inner, no_grad)
                else:
                    self._walk_block(function, _suite_body(statement.orelse.body), chain, inner, no_grad)
        elif isinstance(statement, (cst.For, cst.While)):
            parent = next((loop for loop in reversed(function.loops) if chain and loop.node is chain[-1]), None)
            if isinstance(statement, cst.For):
                self._scan(function, statement.iter, chain, branches, no_grad)
                loop = TrainingLoop(statement, parent, _code(statement.target), _code(statement.iter))
            else:
                self._scan(function, statement.test, chain, branches, no_grad)
                loop = TrainingLoop(statement, parent, "", _code(statement.test))
            function.loops.append(loop)
            self._walk_block(function, _suite_body(statement.body), chain + (statement,), branches, no_grad)
            if statement.orelse is not None:
                self._walk_block(function, _suite_body(statement.orelse.body), chain, branches, no_grad)
        elif isinstance(statement, cst.With):
            disables = no_grad
            for item in statement.items:
                self._scan(function, item.item, chain, branches, no_grad)
                name = qualified_name(item.item.func, self.aliases) if isinstance(item.item, cst.Call) else None
                if name in ("torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad") or \
                        name is None and dotted(getattr(item.item, "func", None)).endswith("no_grad"):
                    if not (isinstance(item.item, cst.Call) and item.item.args):  # inference_mode(False)
                        disables = True
            self._walk_block(function, _suite_body(statement.body), chain, branches, disables)
        elif isinstance(statement, cst.Try):
            self._walk_block(function, _suite_body(statement.body), chain,
                             branches + (Branch(id(statement), 0, depth),), no_grad)
            for index, handler in enumerate(statement.handlers, 1):
                self._walk_block(function, _suite_body(handler.body), chain,
                                 branches + (Branch(id(statement), index, depth),), no_grad)
            if statement.orelse is not None:
                self._walk_block(function, _suite_body(statement.orelse.body), chain,
                                 branches + (Branch(id(statement), 0, depth),), no_grad)
            if statement.finalbody is not None:
                self._walk_block(function, _suite_body(statement.finalbody.body), chain, branches, no_grad)
        elif isinstance(statement, cst.Match):
            self._scan(function, statement.subject, chain, branches, no_grad)
            for index, case in enumerate(statement.cases):
                self._walk_block(function, _suite_body(case.body), chain,
                                 branches + (Branch(id(statement), index, depth),), no_grad)

    def _walk_small(self, function: _Function, small: cst.BaseSmallStatement, chain: tuple,
                    branches: tuple, no_grad: bool) -> None:
        self._scan(function, small, chain, branches, no_grad)
        here = dict(chain=chain, branches=branches, no_grad=no_grad)
        if isinstance(small, cst.AugAssign) and isinstance(small.operator, cst.AddAssign):
            target = dotted(small.target)
            if target:
                function.own.append(Event(ACCUMULATE, small, target=target,
                                          names=_bare_tensor_names(small.value), value=small.value, **here))
        elif isinstance(small, (cst.Assign, cst.AnnAssign)):
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            value = small.value
            if value is None:
                return
            for target_node in targets:
                if isinstance(target_node, cst.Attribute) and target_node.attr.value == "grad":
                    # p.grad = None clears a gradient; p.grad = g sets one by hand.
                    kind = ZERO_GRAD if isinstance(value, cst.Name) and value.value == "None" else GRAD_READ
                    function.own.append(Event(kind, small, receiver=dotted(target_node.value), **here))
                    continue
                target = dotted(target_node) if isinstance(target_node, (cst.Name, cst.Attribute)) else ""
                if not target:
                    for element in getattr(target_node, "elements", ()):
                        name = dotted(element.value)
                        if name and _LOSS_NAME.search(name):
                            function.own.append(Event(LOSS, small, target=name, **here))
                        if name:
                            function.own.append(Event(ASSIGN, small, target=name, value=None, **here))
                    continue
                if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add) \
                        and dotted(value.left) == target:
                    function.own.append(Event(ACCUMULATE, small, target=target,
                                              names=_bare_tensor_names(value.right), value=value.right, **here))
                if _LOSS_NAME.search(_last(target)):
                    function.own.append(Event(LOSS, small, target=target, **here))
                function.own.append(Event(ASSIGN, small, target=target, value=value,
                                          names=_bare_tensor_names(value), **here))
                if isinstance(value, cst.Call):
                    built = self._constructed.get(id(value))
                    if built is not None and not built.bound_to:
                        built.bound_to = target

    def _scan(self, function: _Function, node: cst.CSTNode, chain: tuple, branches: tuple, no_grad: bool) -> None:
        """Record the calls and gradient reads of an expression or small statement."""
        here = dict(chain=chain, branches=branches, no_grad=no_grad)
        for current in _expressions(node):
            if isinstance(current, cst.Attribute) and current.attr.value == "grad":
                function.own.append(Event(GRAD_READ, current, receiver=dotted(current.value), **here))
            elif isinstance(current, cst.Lambda):
                continue
            if not isinstance(current, cst.Call):
                continue
            func = current.func
            qualified = qualified_name(func, self.aliases)
            if qualified is not None and id(current) not in self._constructed:
                self._construction(current, qualified)
            if isinstance(func, cst.Attribute):
                method = func.attr.value
                receiver = func.value
                if method in ("backward", "manual_backward") or "backward" in method and receiver_is_self(receiver):
                    positional = [a.value for a in current.args if a.keyword is None and not a.star]
                    receiver_text = dotted(receiver)
                    if method == "manual_backward" or (positional and not _LOSS_NAME.search(receiver_text)
                                                        and isinstance(receiver, (cst.Name, cst.Attribute))
                                                        and receiver_text not in ("torch.autograd",)):
                        subject: Optional[cst.CSTNode] = positional[0] if positional else None
                    else:
                        subject = receiver
                    names = _names_in(subject) if subject is not None else ()
                    function.own.append(Event(BACKWARD, current, receiver=receiver_text, names=names, **here))
                    if method not in ("backward", "manual_backward"):
                        self._helper_call(function, current, method, function.cls, chain, branches, no_grad)
                    continue
                if "zero_grad" in method or (method in ("zero_", "detach_", "requires_grad_") and
                                             ".grad" in f".{dotted(receiver)}" and method != "requires_grad_"):
                    function.own.append(Event(ZERO_GRAD, current, receiver=dotted(receiver), **here))
                    continue
                if method == "step":
                    receiver_text = dotted(receiver)
                    has_args = bool(current.args)
                    if has_args and "scaler" in receiver_text.lower() or receiver_text.endswith("amp"):
                        optimizer = dotted(_arg(current, 0, "optimizer"))
                        function.own.append(Event(STEP, current, receiver=optimizer, has_args=False, **here))
                        continue
                    function.own.append(Event(STEP, current, receiver=receiver_text, has_args=has_args, **here))
                    closure = _arg(current, 0, "closure")
                    if isinstance(closure, cst.Name):
                        self._helper_call(function, current, closure.value, None, chain, branches, no_grad)
                    continue
                if qualified in ("torch.autograd.grad",) or method == "grad" and dotted(receiver).endswith("autograd"):
                    function.own.append(Event(GRAD_READ, current, **here))
                    continue
                if method == "forward":
                    self._forward_call(function, current, receiver)
                if _UPDATE_CALL.search(method):
                    function.own.append(Event(OTHER_UPDATE, current, receiver=dotted(receiver), **here))
                if _LOSS_CALLEE.search(method):
                    function.own.append(Event(LOSS, current, **here))
                if isinstance(receiver, cst.Name) and receiver.value == "self" and function.cls is not None:
                    self._helper_call(function, current, method, function.cls, chain, branches, no_grad)
            elif isinstance(func, cst.Name):
                if "backward" in func.value and qualified != "torch.autograd.backward":
                    function.own.append(Event(BACKWARD, current, **here))  # backward_step(loss, ...)
                    self._helper_call(function, current, func.value, None, chain, branches, no_grad)
                    continue
                if qualified == "torch.autograd.backward":
                    arg = _arg(current, 0, "tensors")
                    function.own.append(Event(BACKWARD, current, names=_names_in(arg) if arg else (), **here))
                    continue
                if qualified == "torch.autograd.grad":
                    function.own.append(Event(GRAD_READ, current, **here))
                    continue
                if _UPDATE_CALL.search(func.value):
                    function.own.append(Event(OTHER_UPDATE, current, **here))
                if _LOSS_CALLEE.search(func.value):
                    function.own.append(Event(LOSS, current, **here))
                self._helper_call(function, current, func.value, None, chain, branches, no_grad)
            if qualified is not None:
                if qualified in ("torch.autograd.backward",):
                    function.own.append(Event(BACKWARD, current, **here))
                elif qualified in ("torch.autograd.grad",):
                    function.own.append(Event(GRAD_READ, current, **here))
                elif _LOSS_CALLEE.search(_last(qualified)) and qualified.startswith("torch.nn."):
                    function.own.append(Event(LOSS, current, **here))

    def _helper_call(self, function: _Function, call: cst.Call, name: str, cls: Optional[str],
                     chain: tuple, branches: tuple, no_grad: bool) -> None:
        if cls is not None:
            helper = self.methods.get((cls, name))
        else:
            helper = self.nested.get(id(function.node), {}).get(name) or self.module_functions.get(name)
        if helper is None or helper is function:
            return
        function.calls.append((len(function.own), call, helper, chain, branches, no_grad))

    def _forward_call(self, function: _Function, call: cst.Call, receiver: cst.BaseExpression) -> None:
        receiver_text = dotted(receiver)
        parent = False
        if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Name) and receiver.func.value == "super":
            parent = True
        elif receiver_text and _last(receiver_text)[:1].isupper():
            parent = True  # Base.forward(self, x), nn.Module.forward(self, x), Function.forward(ctx, ...)
        self.result.forward_calls.append(ForwardCall(call, receiver_text, function.name.rsplit(".", 1)[-1], parent))

    # ---------------------------------------------------------------- constructions
    def _construction(self, call: cst.Call, qualified: str) -> None:
        target = ""
        cls = _last(qualified)
        if qualified.startswith(_SCHEDULER_PREFIX):
            periods = _PERIOD_ARGS.get(cls)
            per_iteration = False
            if periods is not None:
                for position, keyword in periods:
                    period = _arg(call, position, keyword)
                    if period is not None and _PER_ITERATION_WORDS.search(_code(period)):
                        per_iteration = True
            gamma = _number(_arg(call, 1 if cls == "ExponentialLR" else 2, "gamma"), self.constants)
            built: Union[OptimizerConstruction, SchedulerConstruction] = \
                SchedulerConstruction(call, cls, target, per_iteration, gamma)
            self.result.schedulers.append(built)
            self._constructed[id(call)] = built
            return
        if cls in OPTIMIZER_CLASSES and qualified.startswith(_OPTIMIZER_ROOTS):
            lr_node = _arg(call, 1, "lr")
            lr = _number(lr_node, self.constants) if lr_node is not None else None
            params = _arg(call, 0, "params")
            models: list[str] = []
            if params is not None:
                for node in _expressions(params):
                    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                            and node.func.attr.value in ("parameters", "named_parameters"):
                        receiver = dotted(node.func.value)
                        if receiver:
                            models.append(receiver)
            optimizer = OptimizerConstruction(call, cls, qualified, lr, lr_node, target, tuple(dict.fromkeys(models)))
            self.result.optimizers.append(optimizer)
            self._constructed[id(call)] = optimizer

    # ---------------------------------------------------------------- scopes
    def _expand(self, function: _Function) -> Scope:
        scope = Scope(function.name, function.node, loops=list(function.loops))
        calls = sorted(function.calls, key=lambda item: item[0])
        position = 0
        for index, event in enumerate(function.own):
            while position < len(calls) and calls[position][0] <= index:
                self._insert_helper(scope, calls[position])
                position += 1
            scope.events.append(event)
        for item in calls[position:]:
            self._insert_helper(scope, item)
        return scope

    @staticmethod
    def _insert_helper(scope: Scope, item) -> None:
        _, call, helper, chain, branches, no_grad = item
        depth = len(chain)
        for event in helper.own:
            if event.kind in (ASSIGN, ACCUMULATE):
                continue  # the helper's local names are not the caller's
            scope.events.append(dataclasses.replace(
                event,
                chain=chain + event.chain,
                branches=branches + tuple(Branch(b.node_id, b.arm, b.depth + depth) for b in event.branches),
                no_grad=no_grad or event.no_grad,
                via=call,
            ))
        for loop in helper.loops:
            if loop not in scope.loops:
                scope.loops.append(loop)

    # ---------------------------------------------------------------- NNL607
    def _find_stale_optimizers(self) -> None:
        by_node = {id(opt.node): opt for opt in self.result.optimizers}
        steppers = self._functions_stepping()
        for scope in self.result.scopes:
            assigns = [e for e in scope.events if e.kind == ASSIGN and e.via is None]
            for index, event in enumerate(assigns):
                optimizer = by_node.get(id(event.value)) if event.value is not None else None
                if optimizer is None or not optimizer.bound_to:
                    continue
                for model in optimizer.models:
                    stale = self._rebinding_after(scope, assigns, index, optimizer, model, steppers)
                    if stale is not None:
                        self.result.stale_optimizers.append(stale)
                        break

    def _functions_stepping(self) -> dict[str, list[_Function]]:
        """optimizer name -> module-level functions that call its step()."""
        found: dict[str, list[_Function]] = {}
        for function in self.functions:
            for event in function.own:
                if event.kind == STEP and event.receiver:
                    found.setdefault(event.receiver, []).append(function)
        return found

    def _rebinding_after(self, scope: Scope, assigns: list[Event], index: int, optimizer: OptimizerConstruction,
                         model: str, steppers: dict[str, list[_Function]]) -> Optional[StaleOptimizer]:
        construction = assigns[index]
        root = model if "." not in model or model.startswith("self.") else _root(model)
        for later in assigns[index + 1:]:
            if later.target == optimizer.bound_to and compatible(later, construction):
                return None  # the optimizer is rebuilt
            if later.target != root or not compatible(later, construction):
                continue
            if not self._new_object(later.value, root):
                continue
            use = self._step_after(scope, later, optimizer, steppers)
            if use is None:
                continue
            return StaleOptimizer(optimizer, root, later.node, later.value, use)  # type: ignore[arg-type]
        return None

    def _new_object(self, value: Optional[cst.BaseExpression], root: str) -> bool:
        """A value that is a different module than `root` was: a constructor call not wrapping
        `root` (DataParallel(model), model.to(device) keep the parameters), or a deep copy."""
        # Net(...).to(device), Net().cuda(): the chained call returns the new module itself.
        while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                and isinstance(value.func.value, cst.Call) and value.func.attr.value in _SAME_MODULE_METHODS:
            value = value.func.value
        if not isinstance(value, cst.Call):
            return False
        qualified = qualified_name(value.func, self.aliases) or dotted(value.func)
        if qualified in ("copy.deepcopy", "deepcopy", "torch.load"):
            return True
        if not qualified or _root(dotted(value.func)) == _root(root) or dotted(value.func).startswith(root + "."):
            return False
        if any(root in _names_in(arg.value) or dotted(arg.value) == root for arg in value.args):
            return False
        last = _last(qualified)
        if last in self.facts.models:
            return True
        if qualified.startswith(("torchvision.models.", "timm.create_model", "torch.nn.")):
            return True
        return last[:1].isupper() and qualified.split(".")[0] not in ("torch",) or \
            bool(re.match(r"(build|create|make|get)_?(model|net|network)", last, re.IGNORECASE))

    def _step_after(self, scope: Scope, rebinding: Event, optimizer: OptimizerConstruction,
                    steppers: dict[str, list[_Function]]) -> Optional[cst.CSTNode]:
        name = optimizer.bound_to
        started = False
        for event in scope.events:
            if event is rebinding:
                started = True
                continue
            if event.kind == STEP and event.receiver == name and compatible(event, rebinding):
                if started or any(loop in event.chain for loop in rebinding.chain):
                    return event.via or event.node
            if started and event.kind == ASSIGN and event.target == name and event.via is None:
                return None
        if scope.name != "<module>":
            return None
        # Module level: a function stepping the optimizer that the module does not run before
        # the re-binding is run afterwards (by an importer, or a __main__ block).
        for function in steppers.get(name, []):
            if function.name == "<module>" or not isinstance(function.node, cst.FunctionDef):
                continue
            called_before = False
            for event in scope.events:
                if event is rebinding:
                    break
                if event.via is not None and self._calls(event.via, function):
                    called_before = True
                    break
            if not called_before:
                return function.node.name
        return None

    def _calls(self, call: cst.Call, function: _Function) -> bool:
        func = call.func
        name = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else ""
        return function.name.rsplit(".", 1)[-1] == name


def build_training_facts(facts: FileFacts) -> None:
    """Fill `facts.training` with the optimization-loop facts of the file."""
    facts.training = _Builder(facts).run()
