"""Constant initializations of weights, and whether each makes units symmetric (NNL301).

A site is one constant init (`nn.init.zeros_(self.fc.weight)`, `net[0].weight.data.fill_(0)`,
`nn.Parameter(torch.zeros(a, b))`, `nn.init.constant_(m.weight, c)` in a `for m in
self.modules(): if isinstance(m, nn.Linear)` loop or an `apply` function). Sites are grouped
by the network they belong to; a group decides symmetry: another constant layer next to it
in the same `Sequential`, every weight matrix of its class constant, or a loop over every
layer of a type in a multi-layer model. A single constant layer (last layer of a residual
branch, LoRA B, a zero gate, ZeroConv, a single linear layer) stays `symmetric=False`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Optional, Sequence

import libcst as cst

from nnlint.analysis.initialization.classes import FileClasses, Layer, ModuleClass
from nnlint.analysis.initialization.facts import ConstantInit
from nnlint.analysis.initialization.syntax import (
    MODULE_ITERATORS,
    PARAMETER_ITERATORS,
    WEIGHT_LAYERS,
    block,
    constant_factory,
    constant_init,
    int_literal,
    is_parameter_matrix,
    nested_blocks,
    self_attribute,
    short_name,
    spelled,
    strip_data,
    walk,
)
from nnlint.analysis.program.syntax import _with_subclasses, nodes_by_type

# Type sets rather than isinstance against libcst's ABC-based classes: the walks below test
# every statement of the file.
_COMPOUND_STATEMENTS = _with_subclasses((cst.BaseCompoundStatement,))


@dataclass
class _Binding:
    """What a loop variable or parameter is known to be while walking a block."""

    source: str  # "modules", "parameters", "param", "listed"
    root: Optional[cst.BaseExpression]  # what `.modules()` was called on
    types: frozenset = frozenset()  # qualified names from isinstance narrowing
    conditioned: bool = False  # under a condition other than isinstance
    count: Optional[int] = None  # "listed": how many weight layers the loop's list names


@dataclass(eq=False)
class _Site:
    init: ConstantInit
    group: object  # key of the network the weight belongs to
    index: Optional[int] = None  # position among the weight layers of a Sequential
    every_layer_count: Optional[int] = None  # weight layers the loop covers; None: unknown


class ConstantInitFinder:
    def __init__(self, file: FileClasses, external: Optional[Mapping[str, Mapping[str, Any]]] = None):
        self.file = file
        self.q = file.q
        # Init functions of other project files (the join's "init_functions"), by qualified name.
        self.external = external or {}
        self.init_functions: dict[str, tuple[cst.CSTNode, dict]] = {}
        self.applies_imported = False
        self.sites: list[_Site] = []
        self._raw_attrs: dict[int, dict[str, _Site]] = {}
        self._constructed: Optional[dict[str, int]] = None

    def run(self) -> list[ConstantInit]:
        """The file's constant inits: module level, functions, methods."""
        body = self.file.module.body
        self._walk_scope(body, cls=None, env={}, locals_={})
        for function, cls in self._functions(body, None):
            self._walk_function(function, cls)
        self._applied_imports()
        return self._resolve_sites()

    def _applied_imports(self) -> None:
        """`model.apply(init_weights)` with `init_weights` imported: another file's init
        function. Applied in a file building two or more layers of the types it sets to a
        constant, it makes them symmetric, as the same function written here would."""
        for node in nodes_by_type(self.file.module).get(cst.Call, ()):
            if not (type(node.func) is cst.Attribute and node.func.attr.value == "apply" and len(node.args) == 1
                    and type(node.args[0].value) is cst.Name):
                continue
            qualified = self.file.aliases.get(node.args[0].value.value)
            if qualified is None:
                continue
            self.applies_imported = True
            entry = self.external.get(qualified)
            if entry is None or self._file_layer_count(frozenset(entry["types"])) < 2:
                continue
            where = f"{entry['path']}:{entry['pos'][0]}" if entry.get("pos") else entry["path"]
            init = ConstantInit(node, entry["target"], entry["layer"], entry["value"], every_layer=True, origin=where)
            self.sites.append(_Site(init, ("every", id(node))))

    def _functions(self, body: Sequence[cst.CSTNode], cls: Optional[ModuleClass]) -> Iterator[tuple[cst.FunctionDef, Optional[ModuleClass]]]:
        for statement in body:
            kind = type(statement)
            if kind is cst.FunctionDef:
                yield statement, cls
                yield from self._functions(block(statement.body), cls)
            elif kind is cst.ClassDef:
                yield from self._functions(block(statement.body), self.file.classes.get(statement.name.value))
            elif kind in _COMPOUND_STATEMENTS:
                yield from self._functions(list(nested_blocks(statement)), cls)

    # ------------------------------------------------------------ what names are bound to

    def _walk_function(self, function: cst.FunctionDef, cls: Optional[ModuleClass]) -> None:
        env: dict[str, _Binding] = {}
        params = [*function.params.posonly_params, *function.params.params]
        for index, param in enumerate(params):
            if index == 0 and cls is not None and param.name.value in ("self", "cls"):
                continue
            env[param.name.value] = _Binding("param", None)
        self._walk_scope(block(function.body), cls=cls, env=env, locals_={}, function=function)

    def _walk_scope(self, body: Sequence[cst.CSTNode], cls: Optional[ModuleClass], env: dict[str, _Binding],
                    locals_: dict[str, Optional[Layer]], function: Optional[cst.FunctionDef] = None) -> None:
        for statement in body:
            kind = type(statement)
            if kind is cst.FunctionDef or kind is cst.ClassDef:
                continue
            if kind is cst.SimpleStatementLine:
                for small in statement.body:
                    self._small(small, cls, env, locals_, function)
            elif kind is cst.For:
                inner = dict(env)
                self._bind_loop(statement.target, statement.iter, inner, locals_)
                self._walk_scope(block(statement.body), cls, inner, locals_, function)
            elif kind is cst.If:
                self._walk_if(statement, cls, env, locals_, function)
            elif kind in _COMPOUND_STATEMENTS:
                self._walk_scope(list(nested_blocks(statement)), cls, env, locals_, function)

    def _walk_if(self, statement: cst.If, cls, env, locals_, function) -> None:
        narrowed = self._narrowing(statement.test, env)
        if narrowed is not None:
            name, types, pure = narrowed
            inner = dict(env)
            inner[name] = dataclasses.replace(env[name], types=types, conditioned=env[name].conditioned or not pure)
        else:
            inner = {name: _conditioned(b) for name, b in env.items()}
        self._walk_scope(block(statement.body), cls, inner, locals_, function)
        orelse = statement.orelse
        if orelse is None:
            return
        # `else:` after an isinstance test: the variable's type is no longer known.
        if narrowed is None:
            other = {name: _conditioned(b) for name, b in env.items()}
        else:
            other = {name: _Binding(b.source, b.root, frozenset(), b.conditioned, b.count) if name == narrowed[0] else b
                     for name, b in env.items()}
        if type(orelse) is cst.If:
            self._walk_if(orelse, cls, other if narrowed is None else env, locals_, function)
        else:
            self._walk_scope(block(orelse.body), cls, other, locals_, function)

    def _narrowing(self, test: cst.BaseExpression, env: dict[str, _Binding]):
        """`isinstance(m, T)` (possibly `and`-ed with other tests): (name, types, pure)."""
        if type(test) is cst.BooleanOperation and type(test.operator) is cst.And:
            for side in (test.left, test.right):
                found = self._narrowing(side, env)
                if found is not None:
                    return found[0], found[1], False
            return None
        if not (type(test) is cst.Call and type(test.func) is cst.Name and test.func.value == "isinstance"
                and len(test.args) == 2 and type(test.args[0].value) is cst.Name
                and test.args[0].value.value in env):
            return None
        kinds = test.args[1].value
        elements = [e.value for e in kinds.elements] if type(kinds) in (cst.Tuple, cst.List) else [kinds]
        types = frozenset(filter(None, (self.q(e) for e in elements)))
        return test.args[0].value.value, types, True

    def _bind_loop(self, target: cst.BaseExpression, iterable: cst.BaseExpression, env, locals_) -> None:
        listed = _listed_layers(iterable, locals_)
        if listed is not None and type(target) is cst.Name:
            # `for layer in [fc1, fc2, fc3]:` over layers built in this scope: each of them.
            names = frozenset(layer.name for layer in listed)
            env[target.value] = _Binding("listed", None, types=names,
                                         count=sum(1 for layer in listed if layer.name in WEIGHT_LAYERS))
            return
        if not (type(iterable) is cst.Call and type(iterable.func) is cst.Attribute):
            _unbind(target, env)
            return
        method = iterable.func.attr.value
        if method in MODULE_ITERATORS or method in PARAMETER_ITERATORS:
            source = "modules" if method in MODULE_ITERATORS else "parameters"
            var = target
            if method.startswith("named_") and type(target) is cst.Tuple and len(target.elements) == 2:
                var = target.elements[1].value
            if type(var) is cst.Name:
                env[var.value] = _Binding(source, iterable.func.value)
                return
        _unbind(target, env)

    def _small(self, small: cst.BaseSmallStatement, cls, env, locals_, function) -> None:
        kind = type(small)
        if kind is cst.Assign:
            for target in small.targets:
                if type(target.target) is cst.Name:
                    locals_[target.target.value] = self.file.layer_of(small.value)
                    env.pop(target.target.value, None)
                value = constant_factory(small.value, self.q)
                if value is not None:
                    self._constant_site(target.target, value, small, cls, env, locals_, function)
            return
        if kind is cst.Expr and type(small.value) is cst.Call:
            found = constant_init(small.value, self.q)
            if found is not None:
                weight, value = found
                self._constant_site(weight, value, small.value, cls, env, locals_, function)

    # ------------------------------------------------------------ one constant init

    def _constant_site(self, target: cst.BaseExpression, value: str, node: cst.CSTNode, cls: Optional[ModuleClass],
                       env: dict[str, _Binding], locals_, function) -> None:
        target = strip_data(target)
        if type(target) is cst.Name and target.value in env and env[target.value].source == "parameters":
            self._parameters_loop_site(env[target.value], value, node, spelled(target), cls, locals_)
        elif not (type(target) is cst.Attribute and target.attr.value.startswith("weight")):
            self._raw_parameter_site(target, value, node, cls)
        elif type(target.value) is cst.Name and target.value.value in env:
            self._every_layer_site(env[target.value.value], value, node, spelled(target), cls, locals_, function)
        else:
            self._layer_site(target.value, value, node, spelled(target), cls, locals_, function)

    def _parameters_loop_site(self, binding: _Binding, value, node, target: str, cls, locals_) -> None:
        """`for p in model.parameters(): nn.init.zeros_(p)`."""
        if binding.conditioned:
            return
        count = self._root_weight_count(binding.root, cls, locals_, WEIGHT_LAYERS)
        if count is None or count < 2:
            return  # a helper over any module (ControlNet's zero_module) or a single layer
        init = ConstantInit(node, target, "Parameter", value, every_layer=True)
        self.sites.append(_Site(init, ("every", id(node)), every_layer_count=count))

    def _every_layer_site(self, binding: _Binding, value, node, target: str, cls, locals_, function=None) -> None:
        """A loop or apply-function variable narrowed by isinstance: `m.weight` of every `T`."""
        weight_types = binding.types & WEIGHT_LAYERS
        if not weight_types or binding.conditioned:
            return
        if binding.source == "listed":
            count = binding.count
        elif binding.source == "modules":
            count = self._root_weight_count(binding.root, cls, locals_, weight_types)
        elif cls is not None:
            count = self.file.weight_layer_count(cls, weight_types)  # `self.apply(self._init_weights)`
        else:
            count = None
        if count is None:
            # Fewer than two such layers in the whole file settles it; more stays unknown.
            in_file = self._file_layer_count(weight_types)
            if in_file < 2:
                count = in_file
        layer = "/".join(sorted(short_name(t) for t in weight_types))
        if count == 0 and binding.source == "param" and cls is None and function is not None \
                and function in self.file.module.body:
            # An init helper of a file without such layers: another file may apply it.
            self.init_functions[function.name.value] = (node, {"types": sorted(weight_types), "layer": layer,
                                                               "value": value, "target": target})
        if count is not None and count < 2:
            return  # a single layer of that type (Fixup's zero-initialized classifier)
        init = ConstantInit(node, target, layer, value, every_layer=True)
        self.sites.append(_Site(init, ("every", id(node)), every_layer_count=count))

    def _layer_site(self, owner: cst.BaseExpression, value, node, target: str, cls, locals_, function) -> None:
        """`self.fc.weight`, `net[0].weight`: the weight of one known layer."""
        index = None
        if type(owner) is cst.Subscript and len(owner.slice) == 1 and type(owner.slice[0].slice) is cst.Index:
            index = int_literal(owner.slice[0].slice.value)
            if index is None:
                return
            container_expr = owner.value
        else:
            container_expr = owner
        attr = self_attribute(container_expr)
        if attr is not None and cls is not None:
            layer = cls.layers.get(attr)
            group_base: object = ("class", id(cls.node))
        elif type(container_expr) is cst.Name:
            layer = locals_.get(container_expr.value)
            group_base = ("scope", id(function), container_expr.value)
        else:
            return
        if layer is None:
            return
        if index is not None:
            if layer.items is None or not -len(layer.items) <= index < len(layer.items):
                return
            position = index % len(layer.items)
            element = layer.items[position]
            if element is None or element.name not in WEIGHT_LAYERS:
                return
            weight_positions = [i for i, item in enumerate(layer.items) if item is not None and item.name in WEIGHT_LAYERS]
            if any(item is None for item in layer.items):
                weight_positions = []  # unknown items between: adjacency unknown
            init = ConstantInit(node, target, short_name(element.name), value)
            rank = weight_positions.index(position) if position in weight_positions else None
            self.sites.append(_Site(init, ("sequential", id(layer.call)), index=rank))
            return
        if layer.name not in WEIGHT_LAYERS:
            return
        init = ConstantInit(node, target, short_name(layer.name), value)
        self.sites.append(_Site(init, group_base))

    def _raw_parameter_site(self, target, value, node, cls: Optional[ModuleClass]) -> None:
        """`self.W = nn.Parameter(torch.zeros(a, b))`."""
        attr = self_attribute(target)
        if attr is None or cls is None or type(node) is not cst.Assign:
            return
        if not is_parameter_matrix(node.value, self.q):
            return
        init = ConstantInit(node, spelled(target), "Parameter", value)
        self.sites.append(_Site(init, ("class", id(cls.node)), index=None))
        # Remember which attribute this is; `_resolve_sites` checks it is a matmul operand.
        self._raw_attrs.setdefault(id(cls.node), {})[attr] = self.sites[-1]

    # ------------------------------------------------------------ how many weight layers

    def _file_layer_count(self, types: frozenset) -> int:
        """How many layers of `types` the file constructs anywhere: the best guess at what a
        `self.modules()` loop covers when the model is assembled from helpers and blocks."""
        if self._constructed is None:
            self._constructed = {}
            for node in nodes_by_type(self.file.module).get(cst.Call, ()):
                name = self.q(node.func)
                if name in WEIGHT_LAYERS:
                    self._constructed[name] = self._constructed.get(name, 0) + 1
        return sum(self._constructed.get(name, 0) for name in types)

    def _root_weight_count(self, root, cls: Optional[ModuleClass], locals_, types) -> Optional[int]:
        if root is None:
            return None
        if type(root) is cst.Name and root.value == "self" and cls is not None:
            return self.file.weight_layer_count(cls, types)
        if type(root) is cst.Name:
            layer = locals_.get(root.value)
            if layer is not None:
                if layer.items is not None:
                    return layer.count_items(types) if all(item is not None for item in layer.items) else None
                if layer.name.startswith("local."):
                    local = self.file.classes.get(layer.name[len("local."):])
                    return self.file.weight_layer_count(local, types) if local else None
                return 1 if layer.name in types else 0
        return None

    # ------------------------------------------------------------ symmetry

    def _resolve_sites(self) -> list[ConstantInit]:
        result: list[ConstantInit] = []
        # Raw constant parameters count only when used as a weight matrix and not re-initialized.
        dropped: set[int] = set()
        for cls in self.file.classes.values():
            raw = self._raw_attrs.get(id(cls.node))
            if not raw:
                continue
            usage = self.file.usage(cls)
            for attr, site in raw.items():
                if attr not in usage.matmul_operands or attr in usage.initialized or usage.initializes_all:
                    dropped.add(id(site))
        groups: dict[object, list[_Site]] = {}
        for site in self.sites:
            if id(site) in dropped:
                continue
            groups.setdefault(site.group, []).append(site)
        for key, sites in groups.items():
            kind = key[0]  # type: ignore[index]
            if kind == "every":
                for site in sites:
                    result.append(dataclasses.replace(site.init, symmetric=True, reason="every-layer"))
                continue
            if kind == "sequential":
                ranks = {site.index: site for site in sites if site.index is not None}
                for site in sites:
                    partners = [ranks[r] for r in (site.index - 1, site.index + 1)
                                if site.index is not None and r in ranks] if site.index is not None else []
                    partners = [p for p in partners if p.init.node is not site.init.node]
                    result.append(dataclasses.replace(site.init, symmetric=bool(partners), reason="adjacent",
                                                      symmetric_with=tuple(p.init.node for p in partners)))
                continue
            # A class or a scope: symmetric when every weight matrix of it is constant. A layer
            # whose bias is set to a chosen non-zero value as well starts as that constant on
            # purpose (a gate or scale head: `zeros_(to_alpha.weight)`, `constant_(to_alpha.bias,
            # init_alpha)`); its units feed different quantities, so it is not a symmetric layer.
            gates = _constant_output_layers(self._group_node(key), self.q) if kind == "class" else set()
            for site in [site for site in sites if _layer_of(site.init.target) in gates]:
                result.append(dataclasses.replace(site.init, symmetric=False, reason="all", symmetric_with=()))
            sites = [site for site in sites if _layer_of(site.init.target) not in gates]
            distinct = {site.init.target: site for site in sites}
            total = self._group_weight_total(key)
            symmetric = len(distinct) >= 2 and total is not None and len(distinct) >= total
            for site in sites:
                others = tuple(s.init.node for t, s in distinct.items() if t != site.init.target)
                result.append(dataclasses.replace(site.init, symmetric=symmetric, reason="all",
                                                  symmetric_with=others if symmetric else ()))
        return result

    def _group_node(self, key) -> Optional[cst.ClassDef]:
        cls = next((c for c in self.file.classes.values() if id(c.node) == key[1]), None)
        return cls.node if cls is not None else None

    def _group_weight_total(self, key) -> Optional[int]:
        if key[0] == "class":
            cls = next((c for c in self.file.classes.values() if id(c.node) == key[1]), None)
            if cls is None:
                return None
            count = self.file.weight_layer_count(cls, WEIGHT_LAYERS)
            if count is None:
                return None
            usage = self.file.usage(cls)
            return count + len(usage.parameter_matrices & usage.matmul_operands.keys())
        return None  # names in a function or at module level: only Sequential adjacency is known


def _conditioned(binding: _Binding) -> _Binding:
    """The binding under a condition: itself when it is already conditioned (no walk changes
    a binding in place, so one object can stand in several blocks' environments), else a
    copy, built directly (`dataclasses.replace` costs several times more, and every `if`
    copies the whole environment)."""
    if binding.conditioned:
        return binding
    return _Binding(binding.source, binding.root, binding.types, True, binding.count)


def _unbind(target: cst.BaseExpression, env) -> None:
    if type(target) is cst.Name:
        env.pop(target.value, None)
    elif type(target) in (cst.Tuple, cst.List):
        for element in target.elements:
            _unbind(element.value, env)


def _listed_layers(iterable: cst.BaseExpression, locals_: dict[str, Optional[Layer]]) -> Optional[list[Layer]]:
    """The layers a list or tuple literal of names holds, when every name is a layer built in
    this scope (`[fc1, fc2]`); None otherwise."""
    if type(iterable) not in (cst.List, cst.Tuple) or not iterable.elements:
        return None
    layers = []
    for element in iterable.elements:
        value = element.value
        layer = locals_.get(value.value) if type(value) is cst.Name else None
        if layer is None:
            return None
        layers.append(layer)
    return layers


def _layer_of(target: str) -> str:
    """`self.gate.weight` -> `self.gate`."""
    return target.rsplit(".", 1)[0] if target.endswith(".weight") else target


def _value_is_a_name(call: cst.Call) -> bool:
    """The constant of `constant_(b, c)` / `b.fill_(c)` is a name (`init_gate`), not a literal."""
    args = call.args[1:] if type(call.func) is not cst.Attribute or call.func.attr.value not in ("fill_",) \
        else call.args
    return bool(args) and type(args[0].value) in (cst.Name, cst.Attribute)


def _constant_output_layers(node: Optional[cst.ClassDef], q) -> set[str]:
    """Layers of the class whose bias is set to a chosen starting value, a name rather than a
    literal (`nn.init.constant_(self.gate.bias, init_gate)` -> `self.gate`): the layer is meant
    to start as that constant."""
    found: set[str] = set()
    if node is None:
        return found
    for current in walk(node, nested=True):
        if type(current) is not cst.Call:
            continue
        init = constant_init(current, q)
        if init is None or init[1] == "zero" or not _value_is_a_name(current):
            continue
        target = strip_data(init[0])
        if type(target) is cst.Attribute and target.attr.value == "bias":
            found.add(spelled(target.value))
    return found
