"""What one call inside a scope is, for the path facts: a mode switch (`.eval()`,
`.train()`, `.train(flag)`), a backward or optimizer step, a call of one of the file's own
functions, or a call of a model.
"""

from __future__ import annotations

from typing import Optional

import dataclasses

import libcst as cst

from nnlint.analysis.paths.facts import EVAL_SWITCH, LOCAL_CALL, MODEL_CALL, STEP, SWITCH, TRAIN_SWITCH, Event, Scope
from nnlint.analysis.paths.models import KnownModels
from nnlint.analysis.program.syntax import dotted_name, last_part
from nnlint.catalogue.functions import SHAPE_ATTRIBUTES, SHAPE_FUNCTIONS
from nnlint.catalogue.names import STEP_RECEIVER

_LOADS_WEIGHTS = ("load_state_dict", "load", "from_pretrained", "load_checkpoint", "load_from_checkpoint")


def call_event(call: cst.Call, scope: Scope, loops: tuple[int, ...], no_grad: bool, models: KnownModels,
               local_functions: set[str]) -> Optional[Event]:
    """The event `call` is in `scope`, or None; also notes on the scope that it loads weights."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in _LOADS_WEIGHTS:
        scope.loads_weights = True
    if isinstance(func, cst.Attribute):
        method = func.attr.value
        receiver = dotted_name(_strip_moves(func.value))
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
        if method == "step" and receiver is not None and STEP_RECEIVER.search(last_part(receiver)) \
                and "sched" not in receiver.lower():
            return Event(STEP, call, receiver, loops, no_grad)
        if receiver == "self" and method in local_functions:
            return Event(LOCAL_CALL, call, method, loops, no_grad, call)
    elif isinstance(func, cst.Name) and func.value in local_functions and func.value not in models.module_classes:
        return Event(LOCAL_CALL, call, func.value, loops, no_grad, call)
    model = models.model_of_call(call, scope)
    if model is not None:
        return Event(MODEL_CALL, call, model, loops, no_grad)
    return None


def _strip_moves(node: cst.BaseExpression) -> cst.BaseExpression:
    """`model.to(device)` -> `model`: moving a model keeps its identity."""
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in (
            "to", "cuda", "cpu", "float", "half", "double"):
        node = node.func.value
    return node


def _is_call_of_optimizer(receiver: str) -> bool:
    return bool(STEP_RECEIVER.search(last_part(receiver)))


def merge_opposite_switches(events: list[Event], start: int, middle: int) -> None:
    """`if phase == 'train': model.train() else: model.eval()` sets the mode at run time:
    when one arm (`events[start:middle]`) switches to train and the other (`events[middle:]`)
    to eval, each train or eval switch of the two arms becomes a SWITCH."""
    first = {event.kind for event in events[start:middle]}
    second = {event.kind for event in events[middle:]}
    if (TRAIN_SWITCH in first and EVAL_SWITCH in second) or (EVAL_SWITCH in first and TRAIN_SWITCH in second):
        events[start:] = [
            Event(SWITCH, event.node, event.target, event.loops, event.no_grad)
            if event.kind in (TRAIN_SWITCH, EVAL_SWITCH) else event
            for event in events[start:]
        ]


def mark_shape_only(scope: Scope, bound: dict[int, str]) -> None:
    """Mark the model calls of `scope` whose result (bound to the name `bound[id(event)]`)
    is read only for its shape, dtype or device anywhere in the scope's function."""
    if not bound:
        return
    reads = _name_reads(scope.node)
    for index, event in enumerate(scope.events):
        name = bound.get(id(event))
        if name is not None and name in reads and reads[name][0] and reads[name][0] == reads[name][1]:
            scope.events[index] = dataclasses.replace(event, shape_only=True)


def _name_reads(node: cst.CSTNode) -> dict[str, list[int]]:
    """For each plain name read in `node`: [reads, reads only of its shape/dtype/device]."""
    reads: dict[str, list[int]] = {}

    class Reader(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            reads.setdefault(name.value, [0, 0])[0] += 1

        def visit_Attribute(self, attribute: cst.Attribute) -> None:
            if isinstance(attribute.value, cst.Name) and attribute.attr.value in SHAPE_ATTRIBUTES:
                reads.setdefault(attribute.value.value, [0, 0])[1] += 1

        def visit_Call(self, call: cst.Call) -> None:
            if isinstance(call.func, cst.Name) and call.func.value in SHAPE_FUNCTIONS and len(call.args) == 1 \
                    and isinstance(call.args[0].value, cst.Name):
                reads.setdefault(call.args[0].value.value, [0, 0])[1] += 1

        def visit_AssignTarget(self, target: cst.AssignTarget) -> bool:
            return False  # a binding is not a read

    node.visit(Reader())
    return reads
