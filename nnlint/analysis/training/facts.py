"""What the training facts say: event kinds, the events of a scope with the loops and
branches around them, optimizer and scheduler constructions, and the whole `TrainingFacts`.

Built by `nnlint.analysis.training.build`, read by the NNL6xx rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator, Optional, Union

import libcst as cst

from nnlint.analysis.program.syntax import child_nodes, descendants, last_part, receiver_name
from nnlint.catalogue.names import is_optimizer_name

if TYPE_CHECKING:
    from nnlint.analysis.training.accumulation import AccumulationLoop

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

# Names that say "this is an optimizer" for a receiver we cannot resolve.


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
    # Its params are tensors listed by hand (`Adam([image], lr=0.1)`, `LBFGS([latent])`): an
    # input, a latent or a few raw weights optimized directly, not a network's parameters.
    raw_tensors: bool = False
    # The largest fan-in among the layers of its models, when the file writes every size
    # (nnlint.analysis.training.fan_in); None when unknown.
    largest_fan_in: Optional[int] = None


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

    def plain_numbers(self) -> set[str]:
        """Names the scope shows to hold plain Python numbers, not tensors: parameters with a
        number as default (`accumulate_every=4`) and names counted over with `range(name)`.
        Dividing a loss by one of them puts no graph into it."""
        found: set[str] = set()
        node = self.node
        if isinstance(node, cst.FunctionDef):
            for param in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params):
                if isinstance(param.default, (cst.Integer, cst.Float)):
                    found.add(param.name.value)
        for child in child_nodes(node):
            for inner in descendants(child):
                if isinstance(inner, cst.Call) and isinstance(inner.func, cst.Name) and inner.func.value == "range":
                    found.update(arg.value.value for arg in inner.args if isinstance(arg.value, cst.Name))
        return found

    def may_use_as_tensor(self, target: str) -> bool:
        """Whether the scope may rely on `target` being a tensor: an attribute is read from it
        (`total.item()`, `(total / n).cpu()`) or it leaves the scope through `return`/`yield`.
        Computed on demand: only a fix that would turn a total into a float asks."""
        for child in child_nodes(self.node):
            for node in descendants(child):
                if isinstance(node, cst.Attribute):
                    reached = node.value
                elif isinstance(node, (cst.Return, cst.Yield)):
                    reached = node.value
                else:
                    continue
                if reached is not None and target in _arithmetic_operands(reached):
                    return True
        return False


@dataclass(eq=False)
class TrainingFacts:
    scopes: list[Scope] = field(default_factory=list)
    optimizers: list[OptimizerConstruction] = field(default_factory=list)
    schedulers: list[SchedulerConstruction] = field(default_factory=list)
    forward_calls: list[ForwardCall] = field(default_factory=list)
    stale_optimizers: list[StaleOptimizer] = field(default_factory=list)
    # Names assigned a parameter-efficient wrapper of a model (`model = get_peft_model(...)`):
    # it trains a few adapter or prompt parameters, for which larger learning rates are usual.
    parameter_efficient_models: set[str] = field(default_factory=set)
    # Loops stepping every k-th backward (nnlint.analysis.training.accumulation), for NNL609.
    accumulations: list["AccumulationLoop"] = field(default_factory=list)

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
        last = last_part(receiver)
        return is_optimizer_name(last)

    def schedulers_named(self, receiver: str) -> list[SchedulerConstruction]:
        return [sched for sched in self.schedulers if sched.bound_to == receiver]



def _arithmetic_operands(node: cst.CSTNode) -> set[str]:
    """The dotted names an arithmetic expression (or a tuple of them) is computed from."""
    if isinstance(node, (cst.BinaryOperation,)):
        return _arithmetic_operands(node.left) | _arithmetic_operands(node.right)
    if isinstance(node, cst.UnaryOperation):
        return _arithmetic_operands(node.expression)
    if isinstance(node, (cst.Tuple, cst.List)):
        return set().union(*(_arithmetic_operands(element.value) for element in node.elements))
    if isinstance(node, (cst.Name, cst.Attribute)):
        return {receiver_name(node)}
    return set()
