"""The classes of a file as the initialization analysis sees them: which are `nn.Module`s,
which layer each `self.X` holds (with a `Sequential`'s items in order), how many weight
layers a class holds, and how its methods use its attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import libcst as cst

from nnlint.analysis.facts import FileFacts
from nnlint.analysis.program.module_classes import is_module_class, module_bases
from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.initialization.syntax import (
    CONTAINERS,
    SEQUENTIAL,
    assignments,
    block,
    nested_blocks,
    self_attribute,
    small_statements,
)
from nnlint.analysis.initialization.usage import ClassUsage


@dataclass(eq=False)
class Layer:
    """A layer construction: its qualified class name and, for containers, its items."""

    name: str  # "local.<class>" for a class of this file
    call: cst.Call
    items: Optional[list[Optional["Layer"]]] = None  # Sequential elements in order; None: unknown

    def count_items(self, types: frozenset) -> int:
        """How many of a Sequential's known items are layers of `types`."""
        return sum(1 for item in self.items or () if item is not None and item.name in types)


@dataclass(eq=False)
class ModuleClass:
    node: cst.ClassDef
    name: str
    is_module: bool
    methods: dict[str, cst.FunctionDef] = field(default_factory=dict)
    # self.X -> its layer construction (None when assigned something else).
    layers: dict[str, Optional[Layer]] = field(default_factory=dict)
    # Submodules whose contents are not known (local classes, helpers, comprehensions).
    opaque_submodules: bool = False


class FileClasses:
    """Every class of a file, by name, with the layers it assigns to `self`."""

    def __init__(self, facts: FileFacts):
        self.module = facts.module
        self.aliases = facts.imports
        self.models = facts.models  # the interpreter's view of each module class
        self.external_modules = module_bases(facts.external_bases)
        self.classes: dict[str, ModuleClass] = {}
        self._usage: dict[int, ClassUsage] = {}
        self._collect_classes(facts.module.body, facts.models)
        for cls in self.classes.values():
            self._collect_layers(cls)
            self._inherit_layers(cls, facts.external_bases)

    def q(self, node: cst.BaseExpression) -> Optional[str]:
        return qualified_name(node, self.aliases)

    def usage(self, cls: ModuleClass) -> ClassUsage:
        found = self._usage.get(id(cls.node))
        if found is None:
            found = self._usage[id(cls.node)] = ClassUsage(cls.methods, self.q)
        return found

    def _collect_classes(self, body: Sequence[cst.CSTNode], models) -> None:
        for statement in body:
            if type(statement) is cst.ClassDef:
                known = self.classes
                is_module = is_module_class(statement, self.aliases,
                                            lambda name: known[name].is_module if name in known else None,
                                            self.external_modules)
                cls = ModuleClass(statement, statement.name.value, is_module or statement.name.value in models)
                for item in block(statement.body):
                    if type(item) is cst.FunctionDef:
                        cls.methods[item.name.value] = item
                self.classes[cls.name] = cls
                self._collect_classes(block(statement.body), models)
            elif type(statement) in (cst.If, cst.Try):
                self._collect_classes(list(nested_blocks(statement)), models)

    def layer_of(self, node: cst.BaseExpression) -> Optional[Layer]:
        """The layer a constructor call builds, with a Sequential's items."""
        if type(node) is not cst.Call:
            return None
        name = self.q(node.func)
        if name is None:
            if type(node.func) is cst.Name and node.func.value in self.classes:
                return Layer("local." + node.func.value, node)
            return None
        layer = Layer(name, node)
        if name == SEQUENTIAL:
            items: list[Optional[Layer]] = []
            for arg in node.args:
                if arg.star or arg.keyword is not None:
                    items = None  # type: ignore[assignment]
                    break
                items.append(self.layer_of(arg.value))
            layer.items = items
        return layer

    def _collect_layers(self, cls: ModuleClass) -> None:
        for method in cls.methods.values():
            for node in small_statements(block(method.body)):
                if type(node) is cst.Expr:
                    node = node.value
                if type(node) in (cst.Assign, cst.AnnAssign):
                    for target, value in assignments(node):
                        self._record_layer(cls, target, value)
                elif (type(node) is cst.Call and type(node.func) is cst.Attribute
                      and node.func.attr.value in ("add_module", "register_module", "append", "extend")):
                    cls.opaque_submodules = True

    def _inherit_layers(self, cls: ModuleClass, external: Mapping[str, Mapping]) -> None:
        """The torch layers a base class of another project file builds (the join's
        `torch_layers`), where the class's own code does not assign the attribute: an
        `init_weights` of the subclass setting `self.fc1.weight` initializes the base's
        Linear. A base whose layers are not all known makes the class's opaque."""
        for base in cls.node.bases:
            info = external.get(self.q(base.value) or "")
            if info is None:
                continue
            for attribute, layer in info.get("torch_layers", {}).items():
                if attribute not in cls.layers:
                    # Placed at the class: the construction is in the other file.
                    cls.layers[attribute] = Layer(layer, cls.node)  # type: ignore[arg-type]
            if info.get("opaque", True):
                cls.opaque_submodules = True

    def _record_layer(self, cls: ModuleClass, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if type(target) in (cst.Tuple, cst.List) and type(value) in (cst.Tuple, cst.List):
            if len(target.elements) == len(value.elements):
                for t, v in zip(target.elements, value.elements):
                    self._record_layer(cls, t.value, v.value)
            return
        attr = self_attribute(target)
        if attr is None:
            return
        layer = self.layer_of(value)
        if attr in cls.layers and cls.layers[attr] is not None and layer is not None:
            if cls.layers[attr].name != layer.name:  # type: ignore[union-attr]
                layer = None  # assigned different layers in different branches
        cls.layers[attr] = layer if attr not in cls.layers or cls.layers[attr] is not None or layer is None else None
        if layer is not None and (layer.name.startswith("local.") or layer.name in CONTAINERS):
            cls.opaque_submodules = True
        elif layer is None and type(value) in (cst.Call, cst.ListComp, cst.GeneratorExp):
            cls.opaque_submodules = True

    def weight_layer_count(self, cls: ModuleClass, types: frozenset) -> Optional[int]:
        """How many weight layers of `types` the class holds; None when not all are known."""
        count = 0
        for layer in cls.layers.values():
            if layer is None:
                continue
            if layer.items is not None:
                count += layer.count_items(types)
            elif layer.name in types:
                count += 1
        if cls.opaque_submodules and count < 2:
            return None
        return count
