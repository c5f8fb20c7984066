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
from nnlint.analysis.program.syntax import descendants, dotted_name, last_part
from nnlint.catalogue.functions import SHAPE_ATTRIBUTES, SHAPE_FUNCTIONS
from nnlint.catalogue.names import STEP_RECEIVER

_LOADS_WEIGHTS = ("load_state_dict", "load", "from_pretrained", "load_checkpoint", "load_from_checkpoint")


def call_event(call: cst.Call, scope: Scope, loops: tuple[int, ...], no_grad: bool, models: KnownModels,
               local_functions: set[str]) -> Optional[Event]:
    """The event `call` is in `scope`, or None; also notes on the scope that it loads weights."""
    func = call.func
    func_kind = type(func)  # not isinstance: see syntax.descendants
    if func_kind is cst.Attribute:
        method = func.attr.value
        if method in _LOADS_WEIGHTS:
            scope.loads_weights = True
        receiver = dotted_name(_strip_moves(func.value))
        if method == "eval" and not call.args and receiver is not None:
            return Event(EVAL_SWITCH, call, receiver, loops, no_grad)
        if method == "train" and receiver is not None and not _is_call_of_optimizer(receiver):
            if not call.args:
                return Event(TRAIN_SWITCH, call, receiver, loops, no_grad)
            flag = call.args[0].value
            if type(flag) is cst.Name and flag.value in ("True", "False"):
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
    elif func_kind is cst.Name and func.value in local_functions and func.value not in models.module_classes:
        return Event(LOCAL_CALL, call, func.value, loops, no_grad, call)
    model = models.model_of_call(call, scope)
    if model is not None:
        return Event(MODEL_CALL, call, model, loops, no_grad)
    return None


def _strip_moves(node: cst.BaseExpression) -> cst.BaseExpression:
    """`model.to(device)` -> `model`: moving a model keeps its identity."""
    while type(node) is cst.Call and type(node.func) is cst.Attribute and node.func.attr.value in (
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
    names = {id(event): bound[id(event)] for event in scope.events if id(event) in bound}
    if not names:
        return  # no model call of this scope is bound to a name: nothing to read for it
    reads = _name_reads(scope.node)
    for index, event in enumerate(scope.events):
        name = names.get(id(event))
        if name is not None and name in reads and reads[name][0] and reads[name][0] == reads[name][1]:
            scope.events[index] = dataclasses.replace(event, shape_only=True)


_NAME, _ATTRIBUTE, _CALL = cst.Name, cst.Attribute, cst.Call
# A binding is not a read: assignment targets are not entered (nested functions and classes are).
_NOT_READS = (cst.AssignTarget,)


def _name_reads(node: cst.CSTNode) -> dict[str, list[int]]:
    """For each plain name read in `node`: [reads, reads only of its shape/dtype/device].
    Every `Name` node counts as a read (an attribute's own name too), except in assignment
    targets."""
    reads: dict[str, list[int]] = {}
    for current in descendants(node, stop=_NOT_READS):
        kind = type(current)
        if kind is _NAME:
            reads.setdefault(current.value, [0, 0])[0] += 1
        elif kind is _ATTRIBUTE:
            if type(current.value) is _NAME and current.attr.value in SHAPE_ATTRIBUTES:
                reads.setdefault(current.value.value, [0, 0])[1] += 1
        elif kind is _CALL:
            if type(current.func) is _NAME and current.func.value in SHAPE_FUNCTIONS and len(current.args) == 1 \
                    and type(current.args[0].value) is _NAME:
                reads.setdefault(current.args[0].value.value, [0, 0])[1] += 1
    return reads
