"""The largest fan-in among the layers an optimizer trains, where the file writes it.

torch's default initialisation draws a layer's weights at about 1/sqrt(fan-in) (Linear:
`in_features`; Conv: `in_channels` times the kernel's size; RNNs: `hidden_size`; catalogue
`Layer.fan_in`). An adaptive optimizer's first steps move every weight by about its learning
rate whatever the gradient's scale, so `lr * sqrt(fan_in)` says how large those steps are
against the weights themselves: at 1 or more, the first steps replace the initialisation
(NNL601). Only sizes written as numbers (literals, module-level constants, arithmetic of
them) count; a model whose layers take their sizes from arguments has no known fan-in.

A model is followed from the optimizer's `X.parameters()`: `X` bound in the file to a torch.nn
layer or container (`nn.Sequential(nn.Linear(784, 512), ...)`) or to a class of the file (its
body and the file's classes it builds, a few levels deep), or `self` / `self.attr` in a class.
"""

from __future__ import annotations

import math
from typing import Optional

import libcst as cst

from nnlint import catalogue
from nnlint.analysis.facts import FileFacts
from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.program.syntax import argument, descendants, nodes_by_type, number_value, receiver_name
from nnlint.analysis.training.facts import OptimizerConstruction
from nnlint.catalogue.layers import CONTAINER

_DEPTH = 3  # classes of the file followed into the classes they build


def note_fan_ins(facts: FileFacts, optimizers: list[OptimizerConstruction], constants: dict[str, float]) -> None:
    """Set `largest_fan_in` on each optimizer whose models' layer sizes the file writes."""
    if not optimizers:
        return
    finder = _FanIns(facts, constants)
    for optimizer in optimizers:
        sizes = [finder.of_model(model, optimizer.node) for model in optimizer.models]
        known = [size for size in sizes if size is not None]
        if known and len(known) == len(sizes):
            optimizer.largest_fan_in = max(known)


class _FanIns:
    def __init__(self, facts: FileFacts, constants: dict[str, float]) -> None:
        self.facts = facts
        self.constants = constants
        self.bindings: dict[str, list[cst.BaseExpression]] = {}
        self._enclosing: Optional[dict[int, cst.ClassDef]] = None
        self._read()

    def _read(self) -> None:
        """Every `name = value` of the file (names and `self.x` attributes), from the module's
        node index (the order of the values does not matter: only a single one is used)."""
        for node in nodes_by_type(self.facts.module).get(cst.Assign, ()):
            for target in node.targets:
                name = receiver_name(target.target)
                if name:
                    self.bindings.setdefault(name, []).append(node.value)

    def enclosing_class(self, call: cst.Call) -> Optional[cst.ClassDef]:
        """The innermost class around a call; the calls of every class are read when first asked."""
        if self._enclosing is None:
            self._enclosing = {}
            # Outer classes come first in the index: an inner class's calls end up with it.
            for cls in nodes_by_type(self.facts.module).get(cst.ClassDef, ()):
                for node in descendants(cls, stop=()):
                    if type(node) is cst.Call:
                        self._enclosing[id(node)] = cls
        return self._enclosing.get(id(call))

    def of_model(self, model: str, at: cst.Call) -> Optional[int]:
        if model == "self":
            cls = self.enclosing_class(at)
            return self.of_class(cls.name.value, _DEPTH) if cls is not None else None
        values = self.bindings.get(model, [])
        if len(values) != 1 or not isinstance(values[0], cst.Call):
            return None  # re-bound, or not a construction: unknown
        return self.of_construction(values[0], _DEPTH)

    def of_construction(self, call: cst.Call, depth: int) -> Optional[int]:
        func = call.func
        if isinstance(func, cst.Name) and func.value in self.facts.models:
            return self.of_class(func.value, depth)
        layer = catalogue.nn_layer(qualified_name(func, self.facts.imports))
        if layer is None:
            return None
        if layer.fan_in:
            return self.layer_fan_in(call, layer)
        if layer.kind == CONTAINER:
            return self._largest(descendants(call, stop=()), depth)
        return None

    def of_class(self, name: str, depth: int) -> Optional[int]:
        model = self.facts.models.get(name)
        if model is None or depth <= 0 or not isinstance(model.node, cst.ClassDef):
            return None
        return self._largest(descendants(model.node.body, stop=(cst.ClassDef,)), depth)

    def _largest(self, nodes, depth: int) -> Optional[int]:
        found: list[int] = []
        for node in nodes:
            if not isinstance(node, cst.Call):
                continue
            func = node.func
            if isinstance(func, cst.Name) and func.value in self.facts.models and depth > 1:
                inner = self.of_class(func.value, depth - 1)
            else:
                layer = catalogue.nn_layer(qualified_name(func, self.facts.imports))
                inner = self.layer_fan_in(node, layer) if layer is not None and layer.fan_in else None
            if inner is not None:
                found.append(inner)
        return max(found) if found else None

    def layer_fan_in(self, call: cst.Call, layer) -> Optional[int]:
        product = 1.0
        for position, keyword in layer.fan_in:
            node = argument(call, position, keyword)
            if keyword == "kernel_size" and isinstance(node, cst.Tuple):
                values = [number_value(element.value, self.constants) for element in node.elements]
                if not values or any(value is None for value in values):
                    return None
                product *= math.prod(values)  # type: ignore[arg-type]
                continue
            value = number_value(node, self.constants)
            if value is None or value < 1:
                return None
            product *= value ** layer.kernel_dims if keyword == "kernel_size" else value
        return int(product)
