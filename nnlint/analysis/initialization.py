"""Facts about how a file creates and initializes its parameters (rules NNL301-NNL304).

One hand-written walk over statements (no libcst visitor, no metadata) finds:

- constant initializations of a weight layer's weight (`nn.init.zeros_(self.fc.weight)`,
  `net[0].weight.data.fill_(0)`, `nn.init.constant_(m.weight, c)` in a `for m in
  self.modules(): if isinstance(m, nn.Linear)` loop or an `apply` function) and of raw
  weight matrices (`nn.Parameter(torch.zeros(a, b))` used in a matmul), each with whether it
  makes units symmetric: another constant layer right after it in the same `Sequential`, every
  weight matrix of its class constant, or every layer of a type in a multi-layer model.
  A single constant layer (last layer of a residual branch, LoRA B, a zero gate, ZeroConv,
  a single linear layer) is kept with `symmetric=False`;
- layers (or parameters) held in plain list/tuple/dict attributes of an `nn.Module`;
- tensors created with a random/constant factory in `__init__`, used as a matmul/linear
  operand, and neither `nn.Parameter` nor a registered buffer;
- parameters and buffers created with `torch.Tensor(a, b)` / `torch.empty(...)` that
  nothing in the class (or file) initializes afterwards.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Iterator, Optional, Sequence

import libcst as cst

from nnlint.analysis.syntax import child_nodes

from nnlint.analysis.facts import FileFacts
from nnlint.analysis.imports import qualified_name
from nnlint.analysis.initialization_facts import (
    ConstantInit,
    InitializationFacts,
    PlainContainer,
    PlainTensor,
    UninitializedTensor,
)

_NN = "torch.nn."
_INIT = "torch.nn.init."

# Layers whose `weight` is a matrix whose units must start different.
WEIGHT_LAYERS = frozenset(
    _NN + name
    for name in (
        "Linear", "LazyLinear", "Bilinear",
        *(f"Conv{d}d" for d in (1, 2, 3)), *(f"ConvTranspose{d}d" for d in (1, 2, 3)),
        *(f"LazyConv{d}d" for d in (1, 2, 3)),
        "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "Embedding", "EmbeddingBag",
    )
)
_SEQUENTIAL = _NN + "Sequential"
_CONTAINERS = frozenset({_SEQUENTIAL, _NN + "ModuleList", _NN + "ModuleDict"})

_CONSTANT_INIT_FUNCTIONS = {
    _INIT + "zeros_": "zero", _INIT + "ones_": "one", _INIT + "constant_": "constant",
    _INIT + "constant": "constant",
}
_CONSTANT_METHODS = {"zero_": "zero", "fill_": "constant"}
_CONSTANT_FACTORIES = {
    "torch.zeros": "zero", "torch.ones": "one", "torch.full": "constant",
    "torch.zeros_like": "zero", "torch.ones_like": "one", "torch.full_like": "constant",
}
_MODULE_ITERATORS = frozenset({"modules", "children", "named_modules", "named_children"})
_PARAMETER_ITERATORS = frozenset({"parameters", "named_parameters"})

# Tensor factories whose result looks like a learnable weight when kept on `self`.
_TENSOR_FACTORIES = frozenset({
    "torch.randn", "torch.rand", "torch.zeros", "torch.ones", "torch.empty", "torch.Tensor",
    "torch.FloatTensor", "torch.normal", "torch.full", "torch.eye",
})
# Factories that leave the memory uninitialized.
_UNINITIALIZED_FACTORIES = frozenset({
    "torch.Tensor", "torch.FloatTensor", "torch.DoubleTensor", "torch.HalfTensor",
    "torch.cuda.FloatTensor", "torch.empty",
})
_PARAMETER = _NN + "Parameter"
_PARAMETER_NAMES = frozenset({_PARAMETER, _NN + "parameter.Parameter"})
# Operations that use a tensor as a weight matrix.
_MATMUL_FUNCTIONS = frozenset({
    "torch.matmul", "torch.mm", "torch.bmm", "torch.einsum", "torch.addmm", "torch.baddbmm",
    "torch.tensordot", "torch.nn.functional.linear", "torch.nn.functional.bilinear",
    "torch.nn.functional.conv1d", "torch.nn.functional.conv2d", "torch.nn.functional.conv3d",
    "torch.nn.functional.conv_transpose1d", "torch.nn.functional.conv_transpose2d",
    "torch.nn.functional.embedding", "torch.chain_matmul", "torch.linalg.multi_dot",
})
_MATMUL_METHODS = frozenset({"matmul", "mm", "bmm"})
# Modules without parameters or train/eval behaviour: harmless in a plain container.
_STATELESS_MODULES = frozenset({
    "ReLU", "ReLU6", "GELU", "SiLU", "Mish", "Tanh", "Sigmoid", "LeakyReLU", "ELU", "SELU", "CELU",
    "Softmax", "LogSoftmax", "Softmin", "Softplus", "Softsign", "Hardtanh", "Hardswish", "Hardsigmoid",
    "Tanhshrink", "Identity", "Flatten", "Unflatten", "Upsample", "UpsamplingNearest2d",
    "UpsamplingBilinear2d", "PixelShuffle", "PixelUnshuffle", "ChannelShuffle",
    *(f"{kind}Pool{d}d" for kind in ("Max", "Avg", "AdaptiveAvg", "AdaptiveMax", "LP") for d in (1, 2, 3)),
    *(f"{kind}Pad{d}d" for kind in ("Zero", "Constant", "Reflection", "Replication") for d in (1, 2, 3)),
})
_SIZE_NAME = re.compile(r"(dim|size|num|^n_|^n$|^d_|channels|features|hidden|len|width|depth|units|^in_|^out_|rank|heads)", re.I)


# --------------------------------------------------------------------- tree helpers


_DEFINITIONS = frozenset({cst.FunctionDef, cst.ClassDef})


def _walk(node: cst.CSTNode, nested: bool = False) -> Iterator[cst.CSTNode]:
    """Every node under `node` (itself included); into nested definitions only if `nested`."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if not nested and current is not node and type(current) in _DEFINITIONS:
            continue
        stack.extend(child_nodes(current))


def _statements(body: Sequence[cst.CSTNode]) -> Iterator[cst.BaseSmallStatement]:
    """The small statements of a block and of its nested blocks, not of nested definitions."""
    pending = [body]
    while pending:
        for statement in pending.pop():
            if type(statement) is cst.SimpleStatementLine:
                yield from statement.body
            elif type(statement) in _DEFINITIONS:
                continue
            elif isinstance(statement, cst.BaseCompoundStatement):
                for child in child_nodes(statement):
                    if isinstance(child, cst.BaseSuite):
                        pending.append(child.body)
                    elif isinstance(child, (cst.Else, cst.Finally, cst.ExceptHandler, cst.If, cst.MatchCase)):
                        pending.append([child] if isinstance(child, cst.If) else _block(child))


def _small_statements(body: Sequence[cst.CSTNode]) -> Iterator[cst.BaseSmallStatement]:
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            yield from statement.body
        elif isinstance(statement, cst.BaseSmallStatement):
            yield statement


def _block(suite: Optional[cst.CSTNode]) -> Sequence[cst.CSTNode]:
    if suite is None:
        return ()
    body = getattr(suite, "body", ())
    if isinstance(body, cst.BaseSuite):
        body = body.body
    return body if isinstance(body, (list, tuple)) else ()


def _self_attribute(node: cst.CSTNode, self_name: str = "self") -> Optional[str]:
    if (isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name)
            and node.value.value == self_name):
        return node.attr.value
    return None


def _strip_data(node: cst.BaseExpression) -> cst.BaseExpression:
    """`w.data`, `w.detach()`, `w.data.detach()` -> `w`."""
    while True:
        if isinstance(node, cst.Attribute) and node.attr.value == "data":
            node = node.value
        elif (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
              and node.func.attr.value == "detach" and not node.args):
            node = node.func.value
        else:
            return node


def _spelled(node: cst.CSTNode) -> str:
    try:
        return cst.Module(body=()).code_for_node(node)
    except Exception:  # pragma: no cover - code generation of a parsed node does not fail
        return "weight"


def _int_literal(node: cst.BaseExpression) -> Optional[int]:
    if isinstance(node, cst.Integer):
        return int(node.value, 0)
    if (isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus)
            and isinstance(node.expression, cst.Integer)):
        return -int(node.expression.value, 0)
    return None


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _is_layer_class(name: Optional[str]) -> bool:
    if not name or not name.startswith(_NN):
        return False
    rest = name[len(_NN):]
    return (rest[:1].isupper() or rest.startswith("modules.")) and not rest.startswith(("init.", "functional."))


# ------------------------------------------------------------------------ the builder

@dataclass(eq=False)
class _Layer:
    """A layer construction: its qualified class name and, for containers, its items."""

    name: str
    call: cst.Call
    items: Optional[list[Optional["_Layer"]]] = None  # Sequential elements in order; None: unknown


@dataclass(eq=False)
class _Class:
    node: cst.ClassDef
    name: str
    is_module: bool
    methods: dict[str, cst.FunctionDef] = field(default_factory=dict)
    # self.X -> its layer construction (None when assigned something else).
    layers: dict[str, Optional[_Layer]] = field(default_factory=dict)
    # Submodules whose contents are not known (local classes, helpers, comprehensions).
    opaque_submodules: bool = False


@dataclass
class _Binding:
    """What a loop variable or parameter is known to be while walking a block."""

    source: str  # "modules", "parameters", "param"
    root: Optional[cst.BaseExpression]  # what `.modules()` was called on
    types: frozenset = frozenset()  # qualified names from isinstance narrowing
    conditioned: bool = False  # under a condition other than isinstance


@dataclass(eq=False)
class _Site:
    init: ConstantInit
    group: object  # key of the network the weight belongs to
    index: Optional[int] = None  # position among the weight layers of a Sequential
    every_layer_count: Optional[int] = None  # weight layers the loop covers; None: unknown


class _Builder:
    def __init__(self, facts: FileFacts):
        self.facts = facts
        self.aliases = facts.imports
        self.result = InitializationFacts()
        self.classes: dict[str, _Class] = {}
        self.sites: list[_Site] = []
        self._raw_attrs: dict[int, dict[str, _Site]] = {}
        self._usage: dict[int, "_ClassUsage"] = {}
        self._file_initialized: Optional[set[str]] = None
        self._constructed: Optional[dict[str, int]] = None

    def usage(self, cls: _Class) -> "_ClassUsage":
        found = self._usage.get(id(cls.node))
        if found is None:
            found = self._usage[id(cls.node)] = _ClassUsage(self, cls)
        return found

    def q(self, node: cst.BaseExpression) -> Optional[str]:
        return qualified_name(node, self.aliases)

    # ------------------------------------------------------------ classes and layers

    def run(self) -> InitializationFacts:
        module = self.facts.module
        self._collect_classes(module.body)
        for cls in self.classes.values():
            self._collect_layers(cls)
        # Constant inits: module level, functions, methods.
        self._walk_scope(module.body, cls=None, env={}, locals_={})
        for function, cls in self._functions(module.body, None):
            self._walk_function(function, cls)
        self._resolve_sites()
        for cls in self.classes.values():
            if cls.is_module:
                self._check_class_tensors(cls)
        return self.result

    def _collect_classes(self, body: Sequence[cst.CSTNode]) -> None:
        for statement in body:
            if isinstance(statement, cst.ClassDef):
                is_module = False
                for arg in statement.bases:
                    name = self.q(arg.value)
                    if _is_layer_class(name) or (name or "").endswith("LightningModule"):
                        is_module = True
                    elif isinstance(arg.value, cst.Name) and arg.value.value in self.classes:
                        is_module = is_module or self.classes[arg.value.value].is_module
                cls = _Class(statement, statement.name.value, is_module or statement.name.value in self.facts.models)
                for item in _block(statement.body):
                    if isinstance(item, cst.FunctionDef):
                        cls.methods[item.name.value] = item
                self.classes[cls.name] = cls
                self._collect_classes(_block(statement.body))
            elif isinstance(statement, (cst.If, cst.Try)):
                self._collect_classes(list(self._nested_blocks(statement)))

    def _nested_blocks(self, statement: cst.CSTNode) -> Iterator[cst.CSTNode]:
        yield from _block(statement.body)
        for handler in getattr(statement, "handlers", ()):
            yield from _block(handler.body)
        orelse = getattr(statement, "orelse", None)
        while orelse is not None:
            if isinstance(orelse, cst.If):
                yield from _block(orelse.body)
                orelse = orelse.orelse
            else:
                yield from _block(orelse.body)
                orelse = None

    def _functions(self, body: Sequence[cst.CSTNode], cls: Optional[_Class]) -> Iterator[tuple[cst.FunctionDef, Optional[_Class]]]:
        for statement in body:
            if isinstance(statement, cst.FunctionDef):
                yield statement, cls
                yield from self._functions(_block(statement.body), cls)
            elif isinstance(statement, cst.ClassDef):
                yield from self._functions(_block(statement.body), self.classes.get(statement.name.value))
            elif isinstance(statement, cst.BaseCompoundStatement):
                yield from self._functions(list(self._nested_blocks(statement)), cls)

    def layer_of(self, node: cst.BaseExpression) -> Optional[_Layer]:
        """The layer a constructor call builds, with a Sequential's items."""
        if not isinstance(node, cst.Call):
            return None
        name = self.q(node.func)
        if name is None:
            if isinstance(node.func, cst.Name) and node.func.value in self.classes:
                return _Layer("local." + node.func.value, node)
            return None
        layer = _Layer(name, node)
        if name == _SEQUENTIAL:
            items: list[Optional[_Layer]] = []
            for arg in node.args:
                if arg.star or arg.keyword is not None:
                    items = None  # type: ignore[assignment]
                    break
                items.append(self.layer_of(arg.value))
            layer.items = items
        return layer

    def _collect_layers(self, cls: _Class) -> None:
        for method in cls.methods.values():
            for node in _statements(_block(method.body)):
                if isinstance(node, cst.Expr):
                    node = node.value
                if isinstance(node, cst.Assign):
                    for target in node.targets:
                        self._record_layer(cls, target.target, node.value)
                elif isinstance(node, cst.AnnAssign) and node.value is not None:
                    self._record_layer(cls, node.target, node.value)
                elif (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
                      and node.func.attr.value in ("add_module", "register_module", "append", "extend")):
                    cls.opaque_submodules = True

    def _record_layer(self, cls: _Class, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)):
            if len(target.elements) == len(value.elements):
                for t, v in zip(target.elements, value.elements):
                    self._record_layer(cls, t.value, v.value)
            return
        attr = _self_attribute(target)
        if attr is None:
            return
        layer = self.layer_of(value)
        if attr in cls.layers and cls.layers[attr] is not None and layer is not None:
            if cls.layers[attr].name != layer.name:  # type: ignore[union-attr]
                layer = None  # assigned different layers in different branches
        cls.layers[attr] = layer if attr not in cls.layers or cls.layers[attr] is not None or layer is None else None
        if layer is not None and (layer.name.startswith("local.") or layer.name in _CONTAINERS):
            cls.opaque_submodules = True
        elif layer is None and isinstance(value, (cst.Call, cst.ListComp, cst.GeneratorExp)):
            cls.opaque_submodules = True

    def weight_layer_count(self, cls: _Class, types: frozenset) -> Optional[int]:
        """How many weight layers of `types` the class holds; None when not all are known."""
        count = 0
        for layer in cls.layers.values():
            if layer is None:
                continue
            if layer.items is not None:
                count += sum(1 for item in layer.items if item is not None and item.name in types)
            elif layer.name in types:
                count += 1
        if cls.opaque_submodules and count < 2:
            return None
        return count

    # ------------------------------------------------------------ constant inits

    def _walk_function(self, function: cst.FunctionDef, cls: Optional[_Class]) -> None:
        env: dict[str, _Binding] = {}
        params = [*function.params.posonly_params, *function.params.params]
        for index, param in enumerate(params):
            if index == 0 and cls is not None and param.name.value in ("self", "cls"):
                continue
            env[param.name.value] = _Binding("param", None)
        self._walk_scope(_block(function.body), cls=cls, env=env, locals_={}, function=function)

    def _walk_scope(self, body: Sequence[cst.CSTNode], cls: Optional[_Class], env: dict[str, _Binding],
                    locals_: dict[str, Optional[_Layer]], function: Optional[cst.FunctionDef] = None) -> None:
        for statement in body:
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                continue
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self._small(small, cls, env, locals_, function)
            elif isinstance(statement, cst.For):
                inner = dict(env)
                self._bind_loop(statement.target, statement.iter, inner, cls, locals_)
                self._walk_scope(_block(statement.body), cls, inner, locals_, function)
            elif isinstance(statement, cst.If):
                self._walk_if(statement, cls, env, locals_, function)
            elif isinstance(statement, cst.BaseCompoundStatement):
                self._walk_scope(list(self._nested_blocks(statement)), cls, env, locals_, function)

    def _walk_if(self, statement: cst.If, cls, env, locals_, function) -> None:
        narrowed = self._narrowing(statement.test, env)
        if narrowed is not None:
            name, types, pure = narrowed
            inner = dict(env)
            inner[name] = dataclasses.replace(env[name], types=types, conditioned=env[name].conditioned or not pure)
        else:
            inner = {name: dataclasses.replace(b, conditioned=True) for name, b in env.items()}
        self._walk_scope(_block(statement.body), cls, inner, locals_, function)
        orelse = statement.orelse
        if orelse is None:
            return
        # `else:` after an isinstance test: the variable's type is no longer known.
        other = {name: dataclasses.replace(b, types=frozenset() if narrowed and name == narrowed[0] else b.types,
                                           conditioned=b.conditioned or narrowed is None)
                 for name, b in env.items()}
        if isinstance(orelse, cst.If):
            self._walk_if(orelse, cls, other if narrowed is None else env, locals_, function)
        else:
            self._walk_scope(_block(orelse.body), cls, other, locals_, function)

    def _narrowing(self, test: cst.BaseExpression, env: dict[str, _Binding]):
        """`isinstance(m, T)` (possibly `and`-ed with other tests): (name, types, pure)."""
        if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
            left = self._narrowing(test.left, env)
            if left is not None:
                return left[0], left[1], False
            right = self._narrowing(test.right, env)
            if right is not None:
                return right[0], right[1], False
            return None
        if not (isinstance(test, cst.Call) and isinstance(test.func, cst.Name) and test.func.value == "isinstance"
                and len(test.args) == 2 and isinstance(test.args[0].value, cst.Name)
                and test.args[0].value.value in env):
            return None
        kinds = test.args[1].value
        elements = [e.value for e in kinds.elements] if isinstance(kinds, (cst.Tuple, cst.List)) else [kinds]
        types = frozenset(filter(None, (self.q(e) for e in elements)))
        return test.args[0].value.value, types, True

    def _bind_loop(self, target: cst.BaseExpression, iterable: cst.BaseExpression, env, cls, locals_) -> None:
        if not (isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Attribute)):
            self._unbind(target, env)
            return
        method = iterable.func.attr.value
        if method in _MODULE_ITERATORS or method in _PARAMETER_ITERATORS:
            source = "modules" if method in _MODULE_ITERATORS else "parameters"
            var = target
            if method.startswith("named_") and isinstance(target, cst.Tuple) and len(target.elements) == 2:
                var = target.elements[1].value
            if isinstance(var, cst.Name):
                env[var.value] = _Binding(source, iterable.func.value)
                return
        self._unbind(target, env)

    def _unbind(self, target: cst.BaseExpression, env) -> None:
        if isinstance(target, cst.Name):
            env.pop(target.value, None)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._unbind(element.value, env)

    def _small(self, small: cst.BaseSmallStatement, cls, env, locals_, function) -> None:
        if isinstance(small, cst.Assign):
            for target in small.targets:
                if isinstance(target.target, cst.Name):
                    locals_[target.target.value] = self.layer_of(small.value)
                    env.pop(target.target.value, None)
                value = self._constant_factory(small.value)
                if value is not None:
                    self._constant_site(target.target, value, small, cls, env, locals_, function)
            return
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            call = small.value
            name = self.q(call.func)
            if name in _CONSTANT_INIT_FUNCTIONS and call.args:
                value = _CONSTANT_INIT_FUNCTIONS[name]
                if value == "constant" and len(call.args) > 1:
                    literal = call.args[1].value
                    if isinstance(literal, (cst.Integer, cst.Float)):
                        value = {0.0: "zero", 1.0: "one"}.get(float(literal.value), "constant")
                self._constant_site(call.args[0].value, value, call, cls, env, locals_, function)
            elif isinstance(call.func, cst.Attribute) and call.func.attr.value in _CONSTANT_METHODS:
                value = _CONSTANT_METHODS[call.func.attr.value]
                if value == "constant" and call.args:
                    literal = call.args[0].value
                    if isinstance(literal, (cst.Integer, cst.Float)):
                        value = {0.0: "zero", 1.0: "one"}.get(float(literal.value), "constant")
                self._constant_site(call.func.value, value, call, cls, env, locals_, function)

    def _constant_factory(self, value: cst.BaseExpression) -> Optional[str]:
        """`torch.zeros(...)` or `nn.Parameter(torch.zeros(...))`: which constant."""
        if isinstance(value, cst.Call) and self.q(value.func) in _PARAMETER_NAMES and value.args:
            value = value.args[0].value
        if isinstance(value, cst.Call):
            return _CONSTANT_FACTORIES.get(self.q(value.func) or "")
        return None

    def _constant_site(self, target: cst.BaseExpression, value: str, node: cst.CSTNode, cls: Optional[_Class],
                       env: dict[str, _Binding], locals_, function) -> None:
        target = _strip_data(target)
        spelled = _spelled(target)
        if isinstance(target, cst.Name) and target.value in env and env[target.value].source == "parameters":
            binding = env[target.value]
            if binding.conditioned:
                return
            count = self._root_weight_count(binding.root, cls, locals_, WEIGHT_LAYERS)
            if count is None or count < 2:
                return  # a helper over any module (ControlNet's zero_module) or a single layer
            init = ConstantInit(node, spelled, "Parameter", value, every_layer=True)
            self.sites.append(_Site(init, ("every", id(node)), every_layer_count=count))
            return
        if not (isinstance(target, cst.Attribute) and target.attr.value.startswith("weight")):
            self._raw_parameter_site(target, value, node, cls)
            return
        owner = target.value
        # A loop or apply-function variable narrowed by isinstance.
        if isinstance(owner, cst.Name) and owner.value in env:
            binding = env[owner.value]
            weight_types = binding.types & WEIGHT_LAYERS
            if not weight_types or binding.conditioned:
                return
            if binding.source == "modules":
                count = self._root_weight_count(binding.root, cls, locals_, weight_types)
            elif cls is not None:
                count = self.weight_layer_count(cls, weight_types)  # `self.apply(self._init_weights)`
            else:
                count = None
            if count is None and self.file_layer_count(weight_types) < 2:
                count = self.file_layer_count(weight_types)
            if count is not None and count < 2:
                return  # a single layer of that type (Fixup's zero-initialized classifier)
            layer = "/".join(sorted(_short(t) for t in weight_types))
            init = ConstantInit(node, spelled, layer, value, every_layer=True)
            self.sites.append(_Site(init, ("every", id(node)), every_layer_count=count))
            return
        index = None
        if isinstance(owner, cst.Subscript) and len(owner.slice) == 1 and isinstance(owner.slice[0].slice, cst.Index):
            index = _int_literal(owner.slice[0].slice.value)
            if index is None:
                return
            container_expr = owner.value
        else:
            container_expr = owner
        attr = _self_attribute(container_expr)
        if attr is not None and cls is not None:
            layer = cls.layers.get(attr)
            group_base: object = ("class", id(cls.node))
        elif isinstance(container_expr, cst.Name):
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
            init = ConstantInit(node, spelled, _short(element.name), value)
            rank = weight_positions.index(position) if position in weight_positions else None
            self.sites.append(_Site(init, ("sequential", id(layer.call)), index=rank))
            return
        if layer.name not in WEIGHT_LAYERS:
            return
        init = ConstantInit(node, spelled, _short(layer.name), value)
        self.sites.append(_Site(init, group_base))

    def file_layer_count(self, types: frozenset) -> int:
        """How many layers of `types` the file constructs anywhere: the best guess at what a
        `self.modules()` loop covers when the model is assembled from helpers and blocks."""
        if self._constructed is None:
            self._constructed = {}
            for node in _walk(self.facts.module, nested=True):
                if isinstance(node, cst.Call):
                    name = self.q(node.func)
                    if name in WEIGHT_LAYERS:
                        self._constructed[name] = self._constructed.get(name, 0) + 1
        return sum(self._constructed.get(name, 0) for name in types)

    def _root_weight_count(self, root, cls: Optional[_Class], locals_, types) -> Optional[int]:
        if root is None:
            return None
        if isinstance(root, cst.Name) and root.value == "self" and cls is not None:
            return self.weight_layer_count(cls, types)
        if isinstance(root, cst.Name):
            layer = locals_.get(root.value)
            if layer is not None:
                if layer.items is not None:
                    return sum(1 for item in layer.items if item is not None and item.name in types) \
                        if all(item is not None for item in layer.items) else None
                if layer.name.startswith("local."):
                    local = self.classes.get(layer.name[len("local."):])
                    return self.weight_layer_count(local, types) if local else None
                return 1 if layer.name in types else 0
        return None

    def _raw_parameter_site(self, target, value, node, cls: Optional[_Class]) -> None:
        attr = _self_attribute(target)
        if attr is None or cls is None or not isinstance(node, cst.Assign):
            return
        call = node.value
        if not (isinstance(call, cst.Call) and self.q(call.func) in _PARAMETER_NAMES and call.args):
            return
        factory = call.args[0].value
        if not isinstance(factory, cst.Call) or _dims(factory) < 2:
            return
        init = ConstantInit(node, _spelled(target), "Parameter", value)
        self.sites.append(_Site(init, ("class", id(cls.node)), index=None))
        # Remember which attribute this is; `_resolve_sites` checks it is a matmul operand.
        self._raw_attrs.setdefault(id(cls.node), {})[attr] = self.sites[-1]

    def _resolve_sites(self) -> None:
        result = self.result.constant_inits
        # Raw constant parameters count only when used as a weight matrix and not re-initialized.
        dropped: set[int] = set()
        for cls in self.classes.values():
            raw = self._raw_attrs.get(id(cls.node))
            if not raw:
                continue
            usage = self.usage(cls)
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
            # A class or a scope: symmetric when every weight matrix of it is constant.
            distinct = {site.init.target: site for site in sites}
            total = self._group_weight_total(key)
            symmetric = len(distinct) >= 2 and total is not None and len(distinct) >= total
            for site in sites:
                others = tuple(s.init.node for t, s in distinct.items() if t != site.init.target)
                result.append(dataclasses.replace(site.init, symmetric=symmetric, reason="all",
                                                  symmetric_with=others if symmetric else ()))

    def _group_weight_total(self, key) -> Optional[int]:
        if key[0] == "class":
            cls = next((c for c in self.classes.values() if id(c.node) == key[1]), None)
            if cls is None:
                return None
            count = self.weight_layer_count(cls, WEIGHT_LAYERS)
            if count is None:
                return None
            usage = self.usage(cls)
            return count + len(usage.parameter_matrices & usage.matmul_operands.keys())
        return None  # names in a function or at module level: only Sequential adjacency is known

    # ------------------------------------------------------------ tensors on self

    def _check_class_tensors(self, cls: _Class) -> None:
        init = cls.methods.get("__init__")
        if init is None or not self._has_candidates(init):
            return
        usage = self.usage(cls)
        if init is not None:
            for node in _walk(init.body):
                if isinstance(node, cst.Assign):
                    for target in node.targets:
                        self._self_assignment(cls, usage, target.target, node.value, node)
                elif isinstance(node, cst.AnnAssign) and node.value is not None:
                    self._self_assignment(cls, usage, node.target, node.value, node)
                elif isinstance(node, cst.Call):
                    self._registration(cls, usage, node)
        self._plain_containers(cls, usage)

    def _has_candidates(self, init: cst.FunctionDef) -> bool:
        """Whether `__init__` builds any tensor or container worth a look at the whole class."""
        for node in _walk(init.body):
            if isinstance(node, (cst.List, cst.Tuple, cst.Dict, cst.ListComp, cst.DictComp)):
                return True
            if isinstance(node, cst.Call):
                name = self.q(node.func)
                if name in _TENSOR_FACTORIES or name in _UNINITIALIZED_FACTORIES:
                    return True
        return False

    def _self_assignment(self, cls: _Class, usage: "_ClassUsage", target, value, node) -> None:
        attr = _self_attribute(target)
        if attr is None:
            return
        inner = _unwrap_tensor(value)
        kind = None
        if isinstance(inner, cst.Call) and self.q(inner.func) in _PARAMETER_NAMES and inner.args:
            inner = _unwrap_tensor(inner.args[0].value)
            kind = "parameter"
        if not isinstance(inner, cst.Call):
            return
        factory = self.q(inner.func)
        if kind == "parameter":
            if factory in _UNINITIALIZED_FACTORIES and _is_shape_call(inner, factory) \
                    and self._never_initialized(attr, usage):
                self.result.uninitialized.append(
                    UninitializedTensor(inner, attr, _spelled(inner.func), "parameter", cls.name))
            return
        if factory in _TENSOR_FACTORIES and attr in usage.matmul_operands and attr not in usage.registered \
                and attr not in usage.reassigned and _dims(inner) >= 2:
            self.result.plain_tensors.append(
                PlainTensor(inner, attr, _spelled(inner.func), usage.matmul_operands[attr], cls.name))

    def _never_initialized(self, attr: str, usage: "_ClassUsage") -> bool:
        if attr in usage.initialized or usage.initializes_all:
            return False
        # A model-wide initializer elsewhere in the file (`_init_weights(self, module)` of a
        # pretrained-model base class: `init.uniform_(module.codevectors)`).
        if self._file_initialized is None:
            self._file_initialized = _initialized_attributes(self.facts.module, self.q)
        return attr not in self._file_initialized

    def _registration(self, cls: _Class, usage: "_ClassUsage", call: cst.Call) -> None:
        """`self.register_buffer('w', torch.empty(n))` / `register_parameter`."""
        if not (isinstance(call.func, cst.Attribute) and call.func.attr.value in ("register_buffer", "register_parameter")
                and isinstance(call.func.value, cst.Name) and call.func.value.value == "self" and len(call.args) >= 2):
            return
        name = call.args[0].value
        if not isinstance(name, cst.SimpleString):
            return
        attr = name.evaluated_value if isinstance(name.evaluated_value, str) else None
        if attr is None:
            return
        value = _unwrap_tensor(call.args[1].value)
        kind = "buffer" if call.func.attr.value == "register_buffer" else "parameter"
        if isinstance(value, cst.Call) and self.q(value.func) in _PARAMETER_NAMES and value.args:
            value = _unwrap_tensor(value.args[0].value)
        if not isinstance(value, cst.Call):
            return
        factory = self.q(value.func)
        if factory in _UNINITIALIZED_FACTORIES and _is_shape_call(value, factory) \
                and self._never_initialized(attr, usage):
            self.result.uninitialized.append(UninitializedTensor(value, attr, _spelled(value.func), kind, cls.name))

    def _plain_containers(self, cls: _Class, usage: "_ClassUsage") -> None:
        for method_name, method in cls.methods.items():
            if method_name != "__init__":
                continue
            local_lists: dict[str, tuple[str, bool]] = {}  # name -> (element, parameters)
            for node in _walk(method.body):
                if isinstance(node, cst.Assign) and len(node.targets) == 1:
                    target = node.targets[0].target
                    found = self._container_elements(node.value)
                    if isinstance(target, cst.Name) and found is not None:
                        local_lists[target.value] = found
                elif (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
                      and node.func.attr.value in ("append", "extend", "insert")
                      and isinstance(node.func.value, cst.Name) and node.args):
                    element = self._element(node.args[-1].value)
                    if element is not None:
                        local_lists.setdefault(node.func.value.value, element)
                    elif node.func.attr.value == "extend":
                        found = self._container_elements(node.args[0].value)
                        if found is not None:
                            local_lists.setdefault(node.func.value.value, found)
            for node in _walk(method.body):
                if not (isinstance(node, cst.Assign) and len(node.targets) == 1):
                    continue
                attr = _self_attribute(node.targets[0].target)
                if attr is None or attr in usage.wrapped:
                    continue
                value = node.value
                found = self._container_elements(value)
                kind = _container_kind(value)
                if found is None and isinstance(value, cst.Name) and value.value in local_lists \
                        and value.value not in usage.wrapped_locals:
                    found = local_lists[value.value]
                    kind = "list"
                if found is None or kind is None:
                    continue
                element, parameters = found
                self.result.plain_containers.append(
                    PlainContainer(node.value, attr, kind, element, parameters, cls.name))

    def _element(self, node: cst.BaseExpression) -> Optional[tuple[str, bool]]:
        """A layer or parameter construction: (short class name, is a parameter)."""
        if not isinstance(node, cst.Call):
            return None
        name = self.q(node.func)
        if name in _PARAMETER_NAMES:
            return "Parameter", True
        if _is_layer_class(name) and _short(name) not in _STATELESS_MODULES \
                and not name.endswith(("ModuleList", "ModuleDict", "ParameterList", "ParameterDict")):
            return _short(name), False
        if isinstance(node.func, cst.Name) and node.func.value in self.classes and self.classes[node.func.value].is_module:
            return node.func.value, False
        return None

    def _container_elements(self, value: cst.BaseExpression) -> Optional[tuple[str, bool]]:
        if isinstance(value, (cst.List, cst.Tuple)):
            for element in value.elements:
                if isinstance(element, cst.StarredElement):
                    continue
                found = self._element(element.value)
                if found is not None:
                    return found
            return None
        if isinstance(value, cst.Dict):
            for element in value.elements:
                if isinstance(element, cst.DictElement):
                    found = self._element(element.value)
                    if found is not None:
                        return found
            return None
        if isinstance(value, (cst.ListComp, cst.GeneratorExp)) and isinstance(value, cst.ListComp):
            return self._element(value.elt)
        if isinstance(value, cst.DictComp):
            return self._element(value.value)
        return None


def _container_kind(value: cst.BaseExpression) -> Optional[str]:
    if isinstance(value, (cst.List, cst.ListComp)):
        return "list"
    if isinstance(value, cst.Tuple):
        return "tuple"
    if isinstance(value, (cst.Dict, cst.DictComp)):
        return "dict"
    return None


def _dims(call: cst.Call) -> int:
    """How many dimensions a factory call's size arguments give (0 when unknown)."""
    sizes = [arg for arg in call.args if arg.keyword is None]
    if len(sizes) == 1:
        only = sizes[0].value
        if isinstance(only, (cst.Tuple, cst.List)):
            return len(only.elements)
        if sizes[0].star:
            return 2  # `torch.zeros(*shape)`: assume a matrix
        return 1
    if sizes and any(arg.star for arg in sizes):
        return 2
    return len(sizes)


def _is_shape_call(call: cst.Call, factory: str) -> bool:
    """`torch.Tensor(a, b)` rather than `torch.Tensor([1, 2])`; no zero-size placeholder."""
    args = [arg for arg in call.args if arg.keyword is None]
    if not args:
        return False
    for arg in args:
        if _int_literal(arg.value) == 0:
            return False
    if factory == "torch.empty" or len(args) >= 2 or args[0].star:
        return True
    only = args[0].value
    if isinstance(only, (cst.Integer, cst.BinaryOperation)):
        return True
    name = only.attr.value if isinstance(only, cst.Attribute) else only.value if isinstance(only, cst.Name) else ""
    return bool(name) and bool(_SIZE_NAME.search(name))


class _ClassUsage:
    """How a class's methods use its `self.X` attributes, from one walk of the class."""

    def __init__(self, builder: _Builder, cls: _Class):
        self.matmul_operands: dict[str, cst.CSTNode] = {}  # attr -> the op using it (outside __init__)
        self.initialized: set[str] = set()  # in-place init, init call, item assignment, `.data =`
        self.initializes_all = False  # parameters()/apply loops: every parameter initialized
        self.registered: set[str] = set()  # register_buffer / register_parameter / Parameter(self.X)
        self.reassigned: set[str] = set()  # assigned again outside __init__
        self.wrapped: set[str] = set()  # passed to a call (ModuleList(self.X), Sequential(*self.X))
        self.wrapped_locals: set[str] = set()
        self.parameter_matrices: set[str] = set()  # self.X = nn.Parameter(<2-D or more>)
        q = builder.q
        for name, method in cls.methods.items():
            in_init = name == "__init__"
            for node in _walk(method.body):
                if isinstance(node, cst.Call):
                    self._call(node, q, in_init, builder, cls)
                elif isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.MatrixMultiply):
                    for side in (node.left, node.right):
                        attr = _self_attribute(_strip_transpose(side))
                        if attr is not None and not in_init:
                            self.matmul_operands.setdefault(attr, node)
                elif isinstance(node, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
                    targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                    for target in targets:
                        self._assigned(target, in_init)
                    value = getattr(node, "value", None)
                    if (len(targets) == 1 and isinstance(value, cst.Call) and q(value.func) in _PARAMETER_NAMES
                            and value.args and isinstance(value.args[0].value, cst.Call)
                            and _dims(value.args[0].value) >= 2):
                        attr = _self_attribute(targets[0])
                        if attr is not None:
                            self.parameter_matrices.add(attr)
                elif isinstance(node, cst.For) and isinstance(node.iter, cst.Call) \
                        and isinstance(node.iter.func, cst.Attribute) \
                        and node.iter.func.attr.value in (_PARAMETER_ITERATORS | _MODULE_ITERATORS):
                    self.initializes_all = True

    def _assigned(self, target, in_init: bool) -> None:
        for element in ([e.value for e in target.elements] if isinstance(target, (cst.Tuple, cst.List)) else [target]):
            base = element
            if isinstance(base, cst.Subscript):
                attr = _self_attribute(_strip_data(base.value))
                if attr is not None:
                    self.initialized.add(attr)
                continue
            if isinstance(base, cst.Attribute) and base.attr.value == "data":
                attr = _self_attribute(base.value)
                if attr is not None:
                    self.initialized.add(attr)
                continue
            attr = _self_attribute(base)
            if attr is not None and not in_init:
                self.reassigned.add(attr)
                self.initialized.add(attr)

    def _call(self, call: cst.Call, q, in_init: bool, builder: _Builder, cls: _Class) -> None:
        func = call.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            receiver = _strip_data(func.value)
            attr = _self_attribute(receiver)
            if attr is not None:
                if method.endswith("_") and not method.startswith("_"):
                    self.initialized.add(attr)  # self.W.uniform_(), self.W.data.normal_()
                elif method in _MATMUL_METHODS and not in_init:
                    self.matmul_operands.setdefault(attr, call)
            if isinstance(func.value, cst.Name) and func.value.value == "self":
                if method == "apply":
                    self.initializes_all = True
                elif method in ("register_buffer", "register_parameter") and len(call.args) >= 2:
                    name = call.args[0].value
                    if isinstance(name, cst.SimpleString) and isinstance(name.evaluated_value, str):
                        self.registered.add(name.evaluated_value)
                elif method not in cls.methods and ("init" in method or "reset" in method):
                    # An initializer inherited from a base class (nn.Linear.reset_parameters).
                    self.initializes_all = True
            if method in _MATMUL_METHODS and not in_init:
                for arg in call.args:
                    a = _self_attribute(_strip_transpose(arg.value))
                    if a is not None:
                        self.matmul_operands.setdefault(a, call)
        name = q(func)
        if name in _MATMUL_FUNCTIONS and not in_init:
            for arg in call.args:
                attr = _self_attribute(_strip_transpose(arg.value))
                if attr is not None:
                    self.matmul_operands.setdefault(attr, call)
            return
        if name in _PARAMETER_NAMES:
            for arg in call.args:
                attr = _self_attribute(arg.value)
                if attr is not None:
                    self.registered.add(attr)
            return
        # Any other call taking `self.X` as an argument: an initializer (`glorot(self.W)`,
        # `nn.init.xavier_uniform_(self.W)`) or a wrapper (`nn.ModuleList(self.layers)`).
        for arg in call.args:
            value = _strip_data(arg.value)
            attr = _self_attribute(value)
            if attr is not None:
                self.wrapped.add(attr)
                if name is None or name.startswith(_INIT) or not name.startswith("torch.") or name.endswith("_"):
                    self.initialized.add(attr)
            elif isinstance(value, cst.Name):
                self.wrapped_locals.add(value.value)


def _initialized_attributes(module: cst.Module, q) -> set[str]:
    """Attribute names `X` that some code of the file initializes as `<anything>.X`: the
    receiver of an in-place method (`m.w.uniform_()`), an argument of `nn.init.*` or of a
    helper, or assigned through `.data` / an index."""
    found: set[str] = set()
    for node in _walk(module, nested=True):
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value.endswith("_") \
                    and not func.attr.value.startswith("_"):
                receiver = _strip_data(func.value)
                if isinstance(receiver, cst.Attribute) and not _is_self(receiver.value):
                    found.add(receiver.attr.value)
            name = q(func)
            if name is None or name.startswith(_INIT) or not name.startswith("torch."):
                for arg in node.args:
                    value = _strip_data(arg.value)
                    if isinstance(value, cst.Attribute) and not _is_self(value.value):
                        found.add(value.attr.value)
        elif isinstance(node, cst.Assign):
            for target in node.targets:
                base = target.target
                if isinstance(base, cst.Subscript):
                    base = _strip_data(base.value)
                elif isinstance(base, cst.Attribute) and base.attr.value == "data":
                    base = base.value
                else:
                    continue
                if isinstance(base, cst.Attribute) and not _is_self(base.value):
                    found.add(base.attr.value)
    return found


def _is_self(node: cst.BaseExpression) -> bool:
    """Code on `self.X` initializes its own class's attribute, which the class check sees."""
    return isinstance(node, cst.Name) and node.value == "self"


def _unwrap_tensor(node: cst.BaseExpression) -> cst.BaseExpression:
    """`torch.randn(a, b) * 0.01`, `torch.randn(a, b).to(device)` -> `torch.randn(a, b)`."""
    while True:
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Multiply, cst.Divide, cst.Add, cst.Subtract)):
            if isinstance(node.left, cst.Call):
                node = node.left
            elif isinstance(node.right, cst.Call):
                node = node.right
            else:
                return node
        elif (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
              and node.func.attr.value in ("to", "cuda", "float", "double", "half", "type", "contiguous",
                                           "requires_grad_")):
            node = node.func.value
        else:
            return node


def _strip_transpose(node: cst.BaseExpression) -> cst.BaseExpression:
    """`self.W.t()`, `self.W.T`, `self.W.transpose(0, 1)` -> `self.W`."""
    while True:
        if isinstance(node, cst.Attribute) and node.attr.value in ("T", "mT", "H", "data"):
            node = node.value
        elif (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
              and node.func.attr.value in ("t", "transpose", "permute", "to", "type_as", "unsqueeze", "view",
                                           "reshape", "expand", "contiguous", "float", "half", "cuda", "detach")):
            node = node.func.value
        else:
            return node


def build_initialization_facts(facts: FileFacts) -> None:
    builder = _Builder(facts)
    facts.initialization = builder.run()
