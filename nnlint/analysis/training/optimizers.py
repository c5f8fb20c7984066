"""Optimizer and scheduler constructions: which calls build one, with what learning rate,
for which models' parameters, and whether a scheduler's period counts iterations.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence, Union

import libcst as cst

from nnlint import catalogue
from nnlint.analysis.program.syntax import argument, descendants, last_part, number_value, receiver_name, source_code
from nnlint.analysis.training.facts import OptimizerConstruction, SchedulerConstruction
from nnlint.catalogue.ecosystem import PARAMETER_EFFICIENT_WRAPPERS
from nnlint.catalogue.optim import PER_ITERATION_WORDS as _PER_ITERATION_WORDS
from nnlint.catalogue.optim import SCHEDULER_MODULE


class Constructions:
    """The optimizers and schedulers a file builds, in the order the walk meets them, and
    the name each is first assigned to."""

    def __init__(self, constants: dict[str, float], evaluated_lrs: Optional[dict[cst.Call, float]] = None,
                 external: Optional[Mapping[str, Mapping[str, Any]]] = None) -> None:
        self.constants = constants
        # Factory functions of other project files that return an optimizer or a scheduler
        # (the project join's "constructions"), by the qualified name this file calls.
        self.external = external or {}
        # What the interpreter evaluated an optimizer's lr to, where the syntax alone does not say.
        self.evaluated_lrs = evaluated_lrs or {}
        self.optimizers: list[OptimizerConstruction] = []
        self.schedulers: list[SchedulerConstruction] = []
        self._by_call: dict[int, Union[OptimizerConstruction, SchedulerConstruction]] = {}
        self.parameter_efficient_models: set[str] = set()

    def note(self, call: cst.Call, qualified: str) -> None:
        """Record `call` (whose callee is `qualified`) if it builds an optimizer or scheduler."""
        if id(call) in self._by_call:
            return
        if qualified in self.external:
            self._note_factory(call, self.external[qualified])
            return
        target = ""
        cls = last_part(qualified)
        if qualified.startswith(SCHEDULER_MODULE):
            known = catalogue.scheduler(cls)
            per_iteration = False
            if known is not None:
                for position, keyword in known.period:
                    period = argument(call, position, keyword)
                    if period is not None and _PER_ITERATION_WORDS.search(source_code(period)):
                        per_iteration = True
            gamma = number_value(argument(call, 1 if cls == "ExponentialLR" else 2, "gamma"), self.constants)
            built: Union[OptimizerConstruction, SchedulerConstruction] = \
                SchedulerConstruction(call, cls, target, per_iteration, gamma)
            self.schedulers.append(built)
            self._by_call[id(call)] = built
            return
        if catalogue.optimizer(qualified) is not None:
            lr_node = argument(call, 1, "lr")
            lr = number_value(lr_node, self.constants) if lr_node is not None else None
            if lr is None and lr_node is not None:
                lr = self.evaluated_lrs.get(call)
            params = argument(call, 0, "params")
            models: list[str] = []
            if params is not None:
                for node in descendants(params):
                    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                            and node.func.attr.value in ("parameters", "named_parameters"):
                        receiver = receiver_name(node.func.value) or _fresh_instance(node.func.value)
                        if receiver:
                            models.append(receiver)
            optimizer = OptimizerConstruction(call, cls, qualified, lr, lr_node, target, tuple(dict.fromkeys(models)),
                                              raw_tensors=_listed_tensors(params))
            self.optimizers.append(optimizer)
            self._by_call[id(call)] = optimizer

    def _note_factory(self, call: cst.Call, built: Mapping[str, Any]) -> None:
        """`scheduler = build_scheduler(optimizer, cfg)` with `build_scheduler` in another file
        returning one scheduler class: a construction of that class here, at the call."""
        cls = last_part(built["qualified"])
        found: Union[OptimizerConstruction, SchedulerConstruction]
        if built["kind"] == "scheduler":
            found = SchedulerConstruction(call, cls, "", bool(built.get("per_iteration")), None)
            self.schedulers.append(found)
        else:
            index = built.get("model_param", -1)
            model = argument(call, index, built.get("model_name", "")) if index >= 0 else None
            receiver = receiver_name(model) if model is not None else None
            found = OptimizerConstruction(call, cls, built["qualified"], None, None, "",
                                          (receiver,) if receiver else ())
            self.optimizers.append(found)
        self._by_call[id(call)] = found

    def bind(self, value: cst.Call, target: str, qualified: Optional[str] = None) -> None:
        """`target = value` (`qualified` the callee): the name a construction is first assigned
        to, and the names that hold a parameter-efficient wrapper of a model."""
        built = self._by_call.get(id(value))
        if built is not None and not built.bound_to:
            built.bound_to = target
        if qualified and PARAMETER_EFFICIENT_WRAPPERS.match(qualified):
            self.parameter_efficient_models.add(target)


def _fresh_instance(node: cst.BaseExpression) -> str:
    """`Net()` of `Net().parameters()`: a class constructed on the spot, an object nothing
    else refers to, so whatever the file trains is another one. Named by its source text."""
    if not isinstance(node, cst.Call):
        return ""
    callee = node.func.attr.value if isinstance(node.func, cst.Attribute) else \
        node.func.value if isinstance(node.func, cst.Name) else ""
    return source_code(node) if callee[:1].isupper() else ""


def _listed_tensors(params: Optional[cst.BaseExpression]) -> bool:
    """`[image]`, `(z, noise)`, `[w, b]`, `[w] + list(noise.values())`: a list written out of
    names, attributes or items (or the values of a dict of them), none of them a
    `.parameters()` call or a parameter group."""
    if isinstance(params, cst.BinaryOperation) and isinstance(params.operator, cst.Add):
        return _listed_tensors(params.left) and _listed_tensors(params.right)
    if isinstance(params, cst.Call) and isinstance(params.func, cst.Name) and params.func.value == "list" \
            and len(params.args) == 1:
        inner = params.args[0].value
        return isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute) \
            and inner.func.attr.value == "values" and not inner.args \
            and isinstance(inner.func.value, (cst.Name, cst.Attribute))
    if not isinstance(params, (cst.List, cst.Tuple)) or not params.elements:
        return False
    for element in params.elements:
        value = element.value
        if isinstance(element, cst.StarredElement) or not isinstance(value, (cst.Name, cst.Attribute, cst.Subscript)):
            return False
    return True


def numeric_constants(body: Sequence[cst.CSTNode]) -> dict[str, float]:
    """Module-level names bound once to a number: `LR = 1e-3`."""
    constants: dict[str, float] = {}
    counts: dict[str, int] = {}
    for statement in body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and len(small.targets) == 1 \
                    and isinstance(small.targets[0].target, cst.Name):
                name = small.targets[0].target.value
                counts[name] = counts.get(name, 0) + 1
                value = number_value(small.value, {})
                if value is not None:
                    constants[name] = value
    for name, count in counts.items():
        if count > 1:
            constants.pop(name, None)
    return constants


    return None
