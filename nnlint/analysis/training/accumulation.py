"""Gradient accumulation: loops that call `backward()` on every pass but step the optimizer
only every k-th (`if (i + 1) % k == 0: optimizer.step(); optimizer.zero_grad()`), and
whether the loss is scaled for it.

Read by NNL609. Built from the training events (`nnlint.analysis.training.events`): the
backward passes and steps of each loop, with the `if` arms around them. A loop accumulates
when a backward runs unconditionally, and an optimizer's `step()` and its `zero_grad()` run
only under an `if` whose test takes a remainder (`% k`) by something other than 1. The loss
counts as scaled when the backward's own expression divides or multiplies it
(`(loss / k).backward()`, `scaler.scale(loss / k)`), when the loop re-binds a loss name to a
quotient or product (`loss = loss / k`, `loss /= k`), or when the file divides anything by
the same k (`return loss / self.accumulation_steps` in the helper that computes the loss, or
`p.grad.div_(k)` on the summed gradients).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import libcst as cst

from nnlint.analysis.program.syntax import descendants, last_part, nodes_by_type, receiver_name, source_code
from nnlint.analysis.training.facts import BACKWARD, STEP, ZERO_GRAD, Event, TrainingFacts, TrainingLoop
from nnlint.catalogue.ecosystem import ACCUMULATION_AWARE_BACKWARD

_SCALING_OPERATORS = (cst.Divide, cst.Multiply)
_SCALING_ASSIGN_OPERATORS = (cst.DivideAssign, cst.MultiplyAssign)
_SCALING_METHODS = frozenset({"div", "div_", "mul", "mul_", "true_divide"})
_DIVIDING_METHODS = frozenset({"div", "div_", "true_divide"})


@dataclass(eq=False)
class AccumulationLoop:
    """A loop that adds k backward passes into `.grad` before one optimizer step."""

    loop: TrainingLoop
    backward: Event
    step: Event
    condition: cst.If        # the `if (i + 1) % k == 0:` around the step
    every: cst.BaseExpression  # k, as written
    scaled: bool             # the loss is divided (or multiplied) before the backward


def find_accumulation_loops(module: cst.Module, training: TrainingFacts) -> list[AccumulationLoop]:
    """Every accumulating loop of the file, with whether its loss is scaled."""
    found: list[AccumulationLoop] = []
    conditions: Optional[dict[int, cst.If]] = None
    divisors: Optional[set[str]] = None
    seen: set[int] = set()
    for scope in training.scopes:
        for loop in scope.loops:
            inside = [event for event in scope.events if event.in_loop(loop.node)]
            backwards = [event for event in inside if event.kind == BACKWARD and not event.conditional_in(loop.node)
                         and not _inside_inner_loop(event, loop)]
            steps = [event for event in inside if event.kind == STEP and not event.has_args
                     and event.conditional_in(loop.node) and training.is_optimizer(event.receiver)]
            if not backwards or not steps:
                continue
            if conditions is None:
                conditions = {id(node): node for node in nodes_by_type(module).get(cst.If, ())}
                divisors = _divisors(module)
            for step in steps:
                if id(step.node) in seen:
                    continue
                condition, every = _remainder_condition(step, loop, conditions)
                if condition is None or every is None:
                    continue
                if not _cleared_under(inside, step, condition):
                    continue  # cleared every pass: not accumulation (or NNL602's case)
                seen.add(id(step.node))
                backward = backwards[0]
                scaled = _scaled(backward, loop, every, divisors or set())
                found.append(AccumulationLoop(loop, backward, step, condition, every, scaled))
    return found


def _inside_inner_loop(event: Event, loop: TrainingLoop) -> bool:
    """Deeper in a nested loop than `loop` itself: that loop's own business."""
    return event.chain[-1] is not loop.node


def _remainder_condition(step: Event, loop: TrainingLoop,
                         conditions: dict[int, cst.If]) -> tuple[Optional[cst.If], Optional[cst.BaseExpression]]:
    """The `if` inside `loop` guarding `step` whose test takes `% k` (k not 1), and k."""
    depth = next(i for i, item in enumerate(step.chain) if item is loop.node) + 1
    for branch in step.branches:
        if branch.depth < depth or branch.arm != 0:
            continue
        node = conditions.get(branch.node_id)
        if node is None:
            continue
        for current in descendants(node.test):
            if type(current) is cst.BinaryOperation and isinstance(current.operator, cst.Modulo):
                every = current.right
                if isinstance(every, cst.Integer) and every.value in ("0", "1"):
                    continue
                return node, every
    return None, None


def _cleared_under(inside: list[Event], step: Event, condition: cst.If) -> bool:
    """The stepped optimizer's gradients are cleared only under the same condition."""
    clears = [event for event in inside if event.kind == ZERO_GRAD]
    if not clears:
        return False
    return all(any(branch.node_id == id(condition) for branch in clear.branches) for clear in clears)


def _scaled(backward: Event, loop: TrainingLoop, every: cst.BaseExpression, divisors: set[str]) -> bool:
    if ACCUMULATION_AWARE_BACKWARD.search(last_part(backward.receiver) or ""):
        return True  # accelerator.backward / a DeepSpeed engine divide by the steps themselves
    func = backward.node.func if isinstance(backward.node, cst.Call) else None
    subject = func.value if isinstance(func, cst.Attribute) else backward.node
    if _scales(subject):
        return True
    if isinstance(backward.node, cst.Call) and any(_scales(arg.value) for arg in backward.node.args):
        return True
    if last_part(source_code(every)) in divisors:
        return True
    names = set(backward.names)
    for node in descendants(loop.node):
        kind = type(node)
        if kind is cst.AugAssign and isinstance(node.operator, _SCALING_ASSIGN_OPERATORS) \
                and receiver_name(node.target) in names:
            return True
        if kind is cst.Assign and any(receiver_name(t.target) in names for t in node.targets) \
                and _scales(node.value):
            return True
    return False


def _scales(node: cst.CSTNode) -> bool:
    """The expression divides or multiplies (`loss / k`, `loss * w`, `loss.div(k)`)."""
    for current in descendants(node):
        kind = type(current)
        if kind is cst.BinaryOperation and isinstance(current.operator, _SCALING_OPERATORS):
            return True
        if kind is cst.Call and isinstance(current.func, cst.Attribute) and current.func.attr.value in _SCALING_METHODS:
            return True
    return False


def _divisors(module: cst.Module) -> set[str]:
    """The last parts of everything the file divides by (`self.accum_steps` -> `accum_steps`)."""
    found: set[str] = set()
    index = nodes_by_type(module)  # a set: the order of the nodes does not matter
    for node in index.get(cst.BinaryOperation, ()):
        if isinstance(node.operator, cst.Divide):
            found.add(last_part(source_code(node.right)))
    for node in index.get(cst.AugAssign, ()):
        if isinstance(node.operator, cst.DivideAssign):
            found.add(last_part(source_code(node.value)))
    for node in index.get(cst.Call, ()):
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in _DIVIDING_METHODS and node.args:
            found.add(last_part(source_code(node.args[0].value)))  # p.grad.div_(k): the gradients, scaled
    return found


__all__ = ["AccumulationLoop", "find_accumulation_loops"]
