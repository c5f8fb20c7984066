"""Which layers a module class builds but never uses, and which batch-norm its forward
applies twice on one path.

Read by NNL403 (unused layer) and NNL404 (stateful layer applied twice). A layer is unused
when the file never reads its attribute anywhere: not in `forward`, not in the methods it
calls, not in another method, a subclass, a hook or a function outside the class, and no
string names it (`getattr(self, "fc2")`, a state-dict key). A class whose code reaches its
submodules without names (`self.children()`, `getattr(self, name)`), whose base class is
not in view (an imported model whose forward may use the attribute), or that subclasses a
container (an `nn.Sequential` applies every registered module) is not judged at all; nor is
a class whose `forward` is a stub (`raise NotImplementedError`, `pass`): an abstract base whose
subclasses, possibly in other files, use its layers, or a fixture whose forward never runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional, Sequence, Union

import libcst as cst

from nnlint import catalogue
from nnlint.analysis.facts import FileFacts
from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.program.syntax import (_with_subclasses, descendants, is_stub, nodes_by_type, statement_bodies,
                                            string_value)
from nnlint.catalogue.functions import (
    MODULE_INTROSPECTION_FUNCTIONS,
    MODULE_INTROSPECTION_METHODS,
    STATE_LOADING_METHODS,
)
from nnlint.catalogue.names import KEPT_LAYER_COMMENT
from nnlint.catalogue.layers import LOSS, NORMALIZATION

# Python's own machinery: a `with` or loop body runs once per item, not once.
_LOOPS = (cst.For, cst.While)


@dataclass(frozen=True, eq=False)
class BuiltLayer:
    """`self.attribute = <layer>(...)` in `__init__`: `layer` is the torch.nn class name or
    the local class name."""

    model: str
    attribute: str
    layer: str
    node: cst.CSTNode


@dataclass(frozen=True, eq=False)
class RepeatedLayer:
    """A batch-norm (or other layer with running statistics) applied to a tensor that
    already went through it earlier in the same forward."""

    model: str
    attribute: str
    layer: str
    first: cst.Call
    second: cst.Call


@dataclass(eq=False)
class _Class:
    node: cst.ClassDef
    bases: list[str]  # qualified (or local) names; "" for one nnlint cannot name
    methods: dict[str, cst.FunctionDef]


class _UsageReader:
    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts
        self.aliases = facts.imports
        self.classes: dict[str, _Class] = {}
        for node in class_definitions(facts.module.body):
            methods = {item.name.value: item for item in node.body.body
                       if isinstance(item, cst.FunctionDef)} if isinstance(node.body, cst.IndentedBlock) else {}
            bases = [self._base_name(arg) for arg in node.bases]
            self.classes[node.name.value] = _Class(node, bases, methods)
        self._read_names: Optional[set[str]] = None
        # The ids of the nodes that reach submodules without names and of the calls loading
        # a state dict into `self`, anywhere in the file; found when first needed.
        self._reaching: Optional[tuple[set[int], set[int]]] = None
        # id(class node) -> whether the class holds such nodes (introspecting, loading).
        self._reaches_by_class: dict[int, tuple[bool, bool]] = {}
        self._built: dict[str, list[BuiltLayer]] = {}

    def _base_name(self, arg: cst.Arg) -> str:
        if arg.keyword is not None:
            return "keyword"
        if isinstance(arg.value, cst.Name) and arg.value.value in self.classes:
            return arg.value.value
        return qualified_name(arg.value, self.aliases) or ""

    def is_module(self, name: str, seen: frozenset[str] = frozenset()) -> bool:
        cls = self.classes.get(name)
        if cls is None or name in seen:
            return False
        external = self.facts.external_bases
        return any(catalogue.is_module_base(base) or external.get(base, {}).get("module")
                   or self.is_module(base, seen | {name}) for base in cls.bases)

    def bases_in_view(self, name: str, seen: frozenset[str] = frozenset()) -> bool:
        """Every base is nn.Module / LightningModule itself, a class of this file whose bases
        are in view too, or a class of another project file whose whole lineage the join
        knows (what its code reads counts as read here): nothing unseen can use the attributes."""
        cls = self.classes[name]
        for base in cls.bases:
            if base == "keyword" or catalogue.is_module_base(base) or base == "object":
                continue
            external = self.facts.external_bases.get(base)
            if external is not None and external.get("closed") and not external.get("introspects"):
                continue
            if base in self.classes and base not in seen and self.bases_in_view(base, seen | {name}):
                continue
            return False
        return True

    def has_forward(self, name: str) -> bool:
        cls = self.classes.get(name)
        if cls is None:
            return False
        external = self.facts.external_bases
        return "forward" in cls.methods or any(self.has_forward(base) or external.get(base, {}).get("forward", False)
                                               for base in cls.bases if base != name)

    def forward_of(self, name: str, seen: frozenset[str] = frozenset()) -> Optional[cst.FunctionDef]:
        """The `forward` the class runs: its own, or the nearest one of its bases in this file."""
        cls = self.classes.get(name)
        if cls is None or name in seen:
            return None
        if "forward" in cls.methods:
            return cls.methods["forward"]
        for base in cls.bases:
            found = self.forward_of(base, seen | {name})
            if found is not None:
                return found
        return None

    def layer_name(self, value: cst.BaseExpression) -> Optional[str]:
        """The class a constructor call builds, when it is a torch.nn layer with state or
        parameters (not a loss, not a parameter-free activation) or a module class of this file."""
        if not isinstance(value, cst.Call):
            return None
        if isinstance(value.func, cst.Name) and value.func.value in self.classes:
            return value.func.value if self.is_module(value.func.value) else None
        found = catalogue.nn_layer(qualified_name(value.func, self.aliases))
        if found is None or found.kind == LOSS or found.stateless or found.container is not None:
            return None
        return found.name

    @property
    def read_names(self) -> set[str]:
        """Every attribute name the file reads, and every string literal in it."""
        if self._read_names is None:
            stored: set[int] = set()
            names: set[str] = set()
            index = nodes_by_type(self.facts.module)
            for kind in (cst.Assign, cst.AnnAssign, cst.AugAssign):
                for node in index.get(kind, ()):
                    targets = ([t.target for t in node.targets] if kind is cst.Assign else [node.target])
                    for target in targets:
                        if isinstance(target, cst.Attribute):
                            stored.add(id(target))
                        elif isinstance(target, (cst.Tuple, cst.List)):
                            stored.update(id(e.value) for e in target.elements if isinstance(e.value, cst.Attribute))
            names.update(node.attr.value for node in index.get(cst.Attribute, ()) if id(node) not in stored)
            for node in index.get(cst.SimpleString, ()):
                text = string_value(node)
                if isinstance(text, str):
                    names.add(text)
            names.update(node.value for node in index.get(cst.FormattedStringText, ()))
            # What base classes of other files read (their forward applying `self.head`).
            for base in self.facts.external_bases.values():
                names.update(base.get("reads", ()))
            self._read_names = names
        return self._read_names

    def introspects(self, name: str) -> bool:
        """The class (or a subclass or base in this file) reaches submodules without names."""
        related = [cls for other, cls in self.classes.items()
                   if other == name or name in cls.bases or other in self.classes[name].bases]
        return any(self._introspects_itself(cls) for cls in related)

    def _introspects_itself(self, cls: _Class) -> bool:
        return self._reaches(cls)[0]

    def loads_state(self, name: str) -> bool:
        """The class (or a subclass or base in this file) loads a state dict into itself or
        defines how one loads: its unused layers may hold a checkpoint's weights."""
        related = [cls for other, cls in self.classes.items()
                   if other == name or name in cls.bases or other in self.classes[name].bases]
        return any(self._loads_state_itself(cls) for cls in related)

    def _loads_state_itself(self, cls: _Class) -> bool:
        return any(method in STATE_LOADING_METHODS for method in cls.methods) or self._reaches(cls)[1]

    def _reaches(self, cls: _Class) -> tuple[bool, bool]:
        """Whether the class's code (its methods, nested classes and lambdas too) reaches
        submodules without names, and whether it loads a state dict into itself. Asked again
        for every class it is related to: one walk per class, and none when the file holds
        neither kind of node."""
        found = self._reaches_by_class.get(id(cls.node))
        if found is None:
            if self._reaching is None:
                self._reaching = _reaching_nodes(self.facts.module)
            found = self._reaches_by_class[id(cls.node)] = _reaches_in(cls.node, *self._reaching)
        return found

    def built_layers(self, name: str) -> list[BuiltLayer]:
        """The layers `name`'s own `__init__` assigns to `self` attributes; read once per class
        (unused_layers and every subclass's repeated_layers ask again)."""
        found = self._built.get(name)
        if found is None:
            found = self._built[name] = list(self._read_built_layers(name))
        return found

    def _read_built_layers(self, name: str) -> Iterator[BuiltLayer]:
        init = self.classes[name].methods.get("__init__")
        if init is None:
            return
        for node in _assignments(init.body.body):
            if node.value is None:
                continue
            layer = self.layer_name(node.value)
            if layer is None:
                continue
            targets = [t.target for t in node.targets] if type(node) is cst.Assign else [node.target]
            for target in targets:
                if (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)
                        and target.value.value == "self"):
                    yield BuiltLayer(name, target.attr.value, layer, node)

    def unused_layers(self) -> Iterator[BuiltLayer]:
        for name, cls in self.classes.items():
            if not (self.is_module(name) and self.bases_in_view(name) and self.has_forward(name)):
                continue
            forward = self.forward_of(name)
            if forward is not None and is_stub(forward):
                # An abstract forward (`raise NotImplementedError`, "users should modify this")
                # leaves the layers to subclasses, possibly in other files; a fixture's `pass`
                # forward never runs: neither says what the model uses.
                continue
            built = list(self.built_layers(name))
            if not built or self.introspects(name) or self.loads_state(name):
                continue
            for layer in built:
                if layer.attribute not in self.read_names:
                    yield layer

    def repeated_layers(self) -> Iterator[RepeatedLayer]:
        for name, cls in self.classes.items():
            forward = cls.methods.get("forward")
            if forward is None or not self.is_module(name):
                continue
            stateful = {layer.attribute: layer.layer for layer in self._all_built(name)
                        if _keeps_running_statistics(layer.layer)}
            if stateful:
                yield from _RepeatTracker(name, stateful).run(forward)

    def _all_built(self, name: str, seen: frozenset[str] = frozenset()) -> list[BuiltLayer]:
        """The layers the class and its bases in this file build (a subclass's own win)."""
        found = list(self.built_layers(name))
        for base in self.classes[name].bases:
            if base in self.classes and base not in seen:
                own = {layer.attribute for layer in found}
                found += [layer for layer in self._all_built(base, seen | {name}) if layer.attribute not in own]
        return found


def _keeps_running_statistics(layer_name: str) -> bool:
    found = catalogue.layer(layer_name)
    return found is not None and found.kind == NORMALIZATION and found.mode_dependent


class _RepeatTracker:
    """Follows, variable by variable, which stateful layers a tensor in forward went through.
    A branch's two arms start from the same state and join afterwards; a loop body is not
    entered (applying a layer once per iteration is how recurrent code shares it)."""

    def __init__(self, model: str, stateful: dict[str, str]) -> None:
        self.model = model
        self.stateful = stateful
        self.found: list[RepeatedLayer] = []

    def run(self, forward: cst.FunctionDef) -> list[RepeatedLayer]:
        self._block(forward.body.body if isinstance(forward.body, cst.IndentedBlock) else (), {})
        return self.found

    def _block(self, statements: Sequence[cst.CSTNode], env: dict[str, dict[str, cst.Call]]) -> None:
        for statement in statements:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self._small(small, env)
            elif isinstance(statement, cst.If):
                arms = [statement.body.body]
                orelse = statement.orelse
                while isinstance(orelse, cst.If):
                    arms.append(orelse.body.body)
                    orelse = orelse.orelse
                arms.append(orelse.body.body if orelse is not None else ())
                results = []
                for arm in arms:
                    copy = {k: dict(v) for k, v in env.items()}
                    self._block(arm, copy)
                    results.append(copy)
                env.clear()
                for result in results:
                    for var, applied in result.items():
                        env.setdefault(var, {}).update(applied)
            elif isinstance(statement, (cst.With, cst.Try)) and isinstance(statement.body, cst.IndentedBlock):
                self._block(statement.body.body, env)
            elif isinstance(statement, _LOOPS):
                return  # what follows a loop depends on how often it ran

    def _small(self, small: cst.CSTNode, env: dict[str, dict[str, cst.Call]]) -> None:
        if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)) and small.value is not None:
            applied = self._expression(small.value, env)
            targets = ([t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target])
            for target in targets:
                for name in _target_names(target):
                    if isinstance(small, cst.AugAssign):
                        env.setdefault(name, {}).update(applied)
                    else:
                        env[name] = dict(applied)
        elif isinstance(small, (cst.Expr, cst.Return)) and small.value is not None:
            self._expression(small.value, env)

    def _expression(self, node: cst.BaseExpression, env: dict[str, dict[str, cst.Call]]) -> dict[str, cst.Call]:
        """The stateful layers the expression's value went through, reporting a second pass."""
        if isinstance(node, cst.Name):
            return dict(env.get(node.value, {}))
        if isinstance(node, (cst.Lambda, cst.ListComp, cst.GeneratorExp, cst.DictComp, cst.SetComp)):
            return {}
        if isinstance(node, cst.Call):
            applied: dict[str, cst.Call] = {}
            for arg in node.args:
                applied.update(self._expression(arg.value, env))
            attribute = _self_attribute(node.func)
            if attribute in self.stateful:
                if attribute in applied:
                    self.found.append(RepeatedLayer(self.model, attribute, self.stateful[attribute],
                                                    applied[attribute], node))
                applied[attribute] = node
            elif isinstance(node.func, cst.Attribute):
                applied.update(self._expression(node.func.value, env))
            return applied
        applied = {}
        for child in _child_expressions(node):
            applied.update(self._expression(child, env))
        return applied


def _is_self(node: cst.BaseExpression) -> bool:
    """`self`, or `super()`."""
    if isinstance(node, cst.Name):
        return node.value == "self"
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "super"


_CLASS = _with_subclasses((cst.ClassDef,))
_FUNCTION = _with_subclasses((cst.FunctionDef,))
_LINE = _with_subclasses((cst.SimpleStatementLine,))
_ASSIGNMENT = _with_subclasses((cst.Assign, cst.AnnAssign))
_COMPOUND = _with_subclasses((cst.BaseCompoundStatement,))


def class_definitions(body: Sequence[cst.CSTNode]) -> Iterator[cst.ClassDef]:
    """Every class defined outside a function at any depth of `body`, in textual order (an
    enclosing class before the classes in it). Classes are statements: walking the
    statements finds the same ones as walking every node, at a fraction of the nodes."""
    for statement in body:
        kind = type(statement)
        if kind in _CLASS:
            yield statement
            yield from class_definitions(statement.body.body)
        elif kind in _COMPOUND and kind not in _FUNCTION:
            for inner in statement_bodies(statement, every_block=True):
                yield from class_definitions(inner)


def _assignments(body: Sequence[cst.CSTNode]) -> Iterator[Union[cst.Assign, cst.AnnAssign]]:
    """The assignments of a function body at any depth (nested functions and classes not
    entered), in textual order, but those on a line whose comment says the layer is kept on
    purpose (catalogue.names.KEPT_LAYER_COMMENT). Assignments are statements: walking the
    statements finds them without walking every expression."""
    for statement in body:
        kind = type(statement)
        if kind in _LINE:
            if not _commented_as_kept(statement):
                for small in statement.body:
                    if type(small) in _ASSIGNMENT:
                        yield small
        elif kind in _ASSIGNMENT:  # a small statement of a one-line suite (`if x: a = b`)
            yield statement
        elif kind in _COMPOUND and kind not in _FUNCTION and kind not in _CLASS:
            for inner in statement_bodies(statement, every_block=True):
                yield from _assignments(inner)


def _commented_as_kept(line: cst.SimpleStatementLine) -> bool:
    """The line, or the comment lines just above it, says the layer is kept on purpose. (No
    other comment of a line is in its code: the others sit in whitespace.)"""
    comments = [empty.comment.value for empty in line.leading_lines if empty.comment is not None]
    if line.trailing_whitespace.comment is not None:
        comments.append(line.trailing_whitespace.comment.value)
    return any(KEPT_LAYER_COMMENT.search(comment) for comment in comments)


def _reaching_nodes(module: cst.Module) -> tuple[set[int], set[int]]:
    """The ids of the module's nodes that reach submodules without names (`self.modules()`,
    `getattr(self, name)`), and of its calls loading a state dict into `self`: few, found in
    the module's node index without a walk of their own."""
    index = nodes_by_type(module)
    introspecting = {id(node) for node in index.get(cst.Attribute, ())
                     if node.attr.value in MODULE_INTROSPECTION_METHODS}
    loading: set[int] = set()
    for node in index.get(cst.Call, ()):
        func = node.func
        if type(func) is cst.Name and func.value in MODULE_INTROSPECTION_FUNCTIONS:
            introspecting.add(id(node))
        elif type(func) is cst.Attribute and func.attr.value in STATE_LOADING_METHODS and _is_self(func.value):
            loading.add(id(node))
    return introspecting, loading


def _reaches_in(node: cst.ClassDef, introspecting: set[int], loading: set[int]) -> tuple[bool, bool]:
    """Whether the class holds one of the `introspecting` nodes and one of the `loading` ones
    (the two sets are disjoint); walked until both are known."""
    found_introspecting = found_loading = False
    if not introspecting and not loading:
        return False, False
    for inner in descendants(node, stop=()):
        key = id(inner)
        if key in introspecting:
            found_introspecting = True
            if found_loading or not loading:
                break
        elif key in loading:
            found_loading = True
            if found_introspecting or not introspecting:
                break
    return found_introspecting, found_loading


def _child_expressions(node: cst.CSTNode) -> Iterator[cst.BaseExpression]:
    """The nearest expressions under a node (through arguments, list elements, subscripts)."""
    for child in node.children:
        if isinstance(child, cst.BaseExpression):
            yield child
        else:
            yield from _child_expressions(child)


def _self_attribute(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self":
        return node.attr.value
    return None


def _target_names(target: cst.BaseExpression) -> Iterator[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _target_names(element.value)


def build_layer_usage_facts(facts: FileFacts) -> None:
    """Fill `facts.unused_layers` and `facts.repeated_layers`."""
    reader = _UsageReader(facts)
    facts.unused_layers = list(reader.unused_layers())
    facts.repeated_layers = list(reader.repeated_layers())
