"""Reading initialization code: the torch names it uses and the shapes of the expressions
around a weight (`self.W.data`, `self.W.t()`, `nn.Parameter(torch.zeros(a, b))`,
`nn.init.constant_(w, 0)`), plus the statement walks the initialization analysis needs.
"""

from __future__ import annotations

import re
from typing import Callable, Iterator, Optional, Sequence

import libcst as cst

from nnlint import catalogue
from nnlint.analysis.program import walk_count
from nnlint.analysis.program.syntax import _LEAF_TYPES, _code_fields, _indexed_tree, _with_subclasses, child_nodes
from nnlint.catalogue import layers as catalogue_layers
from nnlint.catalogue.functions import (  # noqa: F401 (the initialization modules import them from here)
    CONSTANT_FACTORIES as _CONSTANT_FACTORIES,
    CONSTANT_INIT_FUNCTIONS as _CONSTANT_INIT_FUNCTIONS,
    CONSTANT_METHODS as _CONSTANT_METHODS,
    DRAWN_TENSOR_FACTORIES,
    MATMUL_FUNCTIONS,
    MATMUL_METHODS,
    PARAMETER_KEEPING_METHODS,
    PARAMETER_NAMES,
    TENSOR_FACTORIES,
    UNINITIALIZED_FACTORIES,
)

# Resolves an expression to the qualified name it refers to (`nn.Linear` -> `torch.nn.Linear`).
QualifiedName = Callable[[cst.BaseExpression], Optional[str]]

TORCH_NN = "torch.nn."
TORCH_NN_INIT = "torch.nn.init."

# Layers whose `weight` is a matrix whose units must start different.
WEIGHT_LAYERS = catalogue.nn_names(lambda layer: layer.has_weight_matrix)
SEQUENTIAL = TORCH_NN + "Sequential"
CONTAINERS = catalogue.nn_names(lambda layer: layer.container in (catalogue_layers.SEQUENTIAL, catalogue_layers.LIST,
                                                                    catalogue_layers.DICT))

MODULE_ITERATORS = frozenset({"modules", "children", "named_modules", "named_children"})
PARAMETER_ITERATORS = frozenset({"parameters", "named_parameters"})
# Modules without parameters or train/eval behaviour: harmless in a plain container (short names).
STATELESS_MODULES = frozenset(name for name, layer in catalogue.LAYERS.items() if layer.stateless)
_SIZE_NAME = re.compile(r"(dim|size|num|^n_|^n$|^d_|channels|features|hidden|len|width|depth|units|^in_|^out_|rank|heads)", re.I)


# ------------------------------------------------------------------------ walking statements

_DEFINITIONS = frozenset({cst.FunctionDef, cst.ClassDef})
# isinstance against libcst's abstract bases, as type sets (see `syntax._with_subclasses`).
_COMPOUND_STATEMENTS = _with_subclasses((cst.BaseCompoundStatement,))
_SUITES = _with_subclasses((cst.BaseSuite,))


def walk(node: cst.CSTNode, nested: bool = False) -> Iterator[cst.CSTNode]:
    """Every node under `node` (itself included); into nested definitions only if `nested`.
    Counted by nnlint.analysis.program.walk_count like `syntax.descendants`."""
    found = _walk(node, nested)
    counter = walk_count.COUNTER
    return found if counter is None else counter.counted(found)


def _walk(node: cst.CSTNode, nested: bool) -> Iterator[cst.CSTNode]:
    tree = _indexed_tree()
    if tree is not None:
        start = tree.positions.get(id(node))
        if start is not None and tree.order[start] is node:
            return iter(_indexed_walk(tree.order, tree.ends, start, nested))
    return _stack_walk(node, nested)


def _indexed_walk(order: list[cst.CSTNode], ends: list[int], start: int, nested: bool) -> list[cst.CSTNode]:
    """`_stack_walk` read off the module's pre-order index: a node's children are the runs
    that start right after it, each ending where the next begins, in the order the stack
    walk pushes them (the index reads the same fields), so popping the last pushed first
    yields the nodes in the same order, without reading any node's fields."""
    definitions = () if nested else _DEFINITIONS
    found: list[cst.CSTNode] = []
    add = found.append
    stack = [start]
    pop = stack.pop
    push = stack.append
    while stack:
        at = pop()
        current = order[at]
        add(current)
        if type(current) in definitions and at != start:
            continue
        child = at + 1
        end = ends[at]
        while child < end:
            push(child)
            child = ends[child]
    return found


def _stack_walk(node: cst.CSTNode, nested: bool) -> Iterator[cst.CSTNode]:
    # The last child is walked first (the order the analysis was written against: the
    # first matmul seen of an attribute is the one reported). `child_nodes` is inlined, as
    # in `syntax.uncounted_descendants`: this loop runs for every node of every walk.
    definitions = () if nested else _DEFINITIONS
    leaf_types = _LEAF_TYPES
    stack = [node]
    pop = stack.pop
    push = stack.append
    extend = stack.extend
    while stack:
        current = pop()
        yield current
        kind = type(current)
        if kind in definitions and current is not node:
            continue
        for name in _code_fields(kind):
            value = getattr(current, name)
            value_kind = type(value)
            if value_kind is tuple or value_kind is list:
                extend(value)
            elif value is not None and value_kind not in leaf_types:
                push(value)


def small_statements(body: Sequence[cst.CSTNode]) -> Iterator[cst.BaseSmallStatement]:
    """The small statements of a block and of its nested blocks, not of nested definitions."""
    pending = [body]
    while pending:
        for statement in pending.pop():
            if type(statement) is cst.SimpleStatementLine:
                yield from statement.body
            elif type(statement) in _DEFINITIONS:
                continue
            elif type(statement) in _COMPOUND_STATEMENTS:
                for child in child_nodes(statement):
                    if type(child) in _SUITES:
                        pending.append(child.body)
                    elif type(child) in (cst.Else, cst.Finally, cst.ExceptHandler, cst.If, cst.MatchCase):
                        pending.append([child] if type(child) is cst.If else block(child))


def block(suite: Optional[cst.CSTNode]) -> Sequence[cst.CSTNode]:
    """The statements of a compound statement's body (or of a suite's)."""
    if suite is None:
        return ()
    body = getattr(suite, "body", ())
    if type(body) in _SUITES:
        body = body.body
    return body if isinstance(body, (list, tuple)) else ()


def nested_blocks(statement: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The statements of a compound statement's body, handlers, match cases and else/elif branches."""
    yield from block(getattr(statement, "body", None))
    for case in getattr(statement, "cases", ()):
        yield from block(case.body)
    for handler in getattr(statement, "handlers", ()):
        yield from block(handler.body)
    orelse = getattr(statement, "orelse", None)
    while orelse is not None:
        if type(orelse) is cst.If:
            yield from block(orelse.body)
            orelse = orelse.orelse
        else:
            yield from block(orelse.body)
            orelse = None


def assignments(node: cst.CSTNode) -> Iterator[tuple[cst.BaseExpression, cst.BaseExpression]]:
    """(target, value) of each target of an assignment with a value; nothing for other nodes."""
    if type(node) is cst.Assign:
        for target in node.targets:
            yield target.target, node.value
    elif type(node) is cst.AnnAssign and node.value is not None:
        yield node.target, node.value


# ------------------------------------------------------------------------ expressions


def is_self(node: cst.BaseExpression) -> bool:
    return type(node) is cst.Name and node.value == "self"


def self_attribute(node: cst.CSTNode) -> Optional[str]:
    """`self.X` -> `X`."""
    if type(node) is cst.Attribute and is_self(node.value):
        return node.attr.value
    return None


def strip_data(node: cst.BaseExpression) -> cst.BaseExpression:
    """`w.data`, `w.detach()`, `w.data.detach()` -> `w`."""
    while True:
        if type(node) is cst.Attribute and node.attr.value == "data":
            node = node.value
        elif (type(node) is cst.Call and type(node.func) is cst.Attribute
              and node.func.attr.value == "detach" and not node.args):
            node = node.func.value
        else:
            return node


def strip_transpose(node: cst.BaseExpression) -> cst.BaseExpression:
    """`self.W.t()`, `self.W.T`, `self.W.transpose(0, 1)` -> `self.W`."""
    while True:
        if type(node) is cst.Attribute and node.attr.value in ("T", "mT", "H", "data"):
            node = node.value
        elif (type(node) is cst.Call and type(node.func) is cst.Attribute
              and node.func.attr.value in ("t", "transpose", "permute", "to", "type_as", "unsqueeze", "view",
                                           "reshape", "expand", "contiguous", "float", "half", "cuda", "detach")):
            node = node.func.value
        else:
            return node


def unwrap_tensor(node: cst.BaseExpression) -> cst.BaseExpression:
    """`torch.randn(a, b) * 0.01`, `torch.randn(a, b).to(device)` -> `torch.randn(a, b)`."""
    while True:
        if type(node) is cst.BinaryOperation and type(node.operator) in (cst.Multiply, cst.Divide, cst.Add, cst.Subtract):
            if type(node.left) is cst.Call:
                node = node.left
            elif type(node.right) is cst.Call:
                node = node.right
            else:
                return node
        elif (type(node) is cst.Call and type(node.func) is cst.Attribute
              and node.func.attr.value in ("to", "cuda", "float", "double", "half", "type", "contiguous",
                                           "requires_grad_")):
            node = node.func.value
        else:
            return node


def written_tensor(target: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """`w[...] = `, `w.data[...] = `, `w.data = `: the tensor `w` whose values the assignment
    sets; None for any other target, which rebinds a name rather than writing values."""
    if type(target) is cst.Subscript:
        return strip_data(target.value)
    if type(target) is cst.Attribute and target.attr.value == "data":
        return target.value
    return None


def spelled(node: cst.CSTNode) -> str:
    try:
        return cst.Module(body=()).code_for_node(node)
    except Exception:  # pragma: no cover - code generation of a parsed node does not fail
        return "weight"


def int_literal(node: cst.BaseExpression) -> Optional[int]:
    if type(node) is cst.Integer:
        return int(node.value, 0)
    if (type(node) is cst.UnaryOperation and type(node.operator) is cst.Minus
            and type(node.expression) is cst.Integer):
        return -int(node.expression.value, 0)
    return None


def short_name(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def is_layer_class(name: Optional[str]) -> bool:
    if not name or not name.startswith(TORCH_NN):
        return False
    rest = name[len(TORCH_NN):]
    return (rest[:1].isupper() or rest.startswith("modules.")) and not rest.startswith(("init.", "functional."))


def is_in_place(method: str) -> bool:
    """`uniform_`, `fill_`: torch's in-place methods, which initialize their receiver."""
    return method.endswith("_") and not method.startswith("_")


def initializes_arguments(name: Optional[str]) -> bool:
    """Whether a call may initialize the tensors passed to it: `nn.init.*`, or a function
    from outside torch (`glorot(self.W)`); an unresolved name counts as such a helper."""
    return name is None or name.startswith(TORCH_NN_INIT) or not name.startswith("torch.")


def parameter_argument(value: cst.BaseExpression, q: QualifiedName) -> Optional[cst.BaseExpression]:
    """`nn.Parameter(x)` -> `x`; None for anything else."""
    if type(value) is cst.Call and q(value.func) in PARAMETER_NAMES and value.args:
        return value.args[0].value
    return None


def parameter_copy(value: cst.BaseExpression, inner: cst.BaseExpression) -> Optional[str]:
    """What made a plain copy of the tensor `inner` on the way out to `value`
    (`nn.Parameter(w).to(device)` -> ".to()", `nn.Parameter(w) * 0.1` -> "*"); None when
    `value` is `inner` itself, or only methods returning the same tensor (`requires_grad_`) wrap it."""
    node = value
    while node is not inner:
        if type(node) is cst.Call and type(node.func) is cst.Attribute:
            method = node.func.attr.value
            if method not in PARAMETER_KEEPING_METHODS:
                return f".{method}()"
            node = node.func.value
        elif type(node) is cst.BinaryOperation:
            return "arithmetic"
        else:
            return None
    return None


def factory_dims(call: cst.Call) -> int:
    """How many dimensions a factory call's size arguments give (0 when unknown)."""
    sizes = [arg for arg in call.args if arg.keyword is None]
    if len(sizes) == 1:
        only = sizes[0].value
        if type(only) in (cst.Tuple, cst.List):
            return len(only.elements)
        if sizes[0].star:
            return 2  # `torch.zeros(*shape)`: assume a matrix
        return 1
    if sizes and any(arg.star for arg in sizes):
        return 2
    return len(sizes)


def is_parameter_matrix(value: cst.BaseExpression, q: QualifiedName) -> bool:
    """`nn.Parameter(<factory of 2 or more dimensions>)`."""
    factory = parameter_argument(value, q)
    return type(factory) is cst.Call and factory_dims(factory) >= 2


def is_shape_call(call: cst.Call, factory: str) -> bool:
    """`torch.Tensor(a, b)` rather than `torch.Tensor([1, 2])`; no zero-size placeholder."""
    args = [arg for arg in call.args if arg.keyword is None]
    if not args:
        return False
    for arg in args:
        if int_literal(arg.value) == 0:
            return False
    if factory == "torch.empty" or len(args) >= 2 or args[0].star:
        return True
    only = args[0].value
    if type(only) in (cst.Integer, cst.BinaryOperation):
        return True
    name = only.attr.value if type(only) is cst.Attribute else only.value if type(only) is cst.Name else ""
    return bool(name) and bool(_SIZE_NAME.search(name))


def container_kind(value: cst.BaseExpression) -> Optional[str]:
    if type(value) in (cst.List, cst.ListComp):
        return "list"
    if type(value) is cst.Tuple:
        return "tuple"
    if type(value) in (cst.Dict, cst.DictComp):
        return "dict"
    return None


# ------------------------------------------------------------------------ constant values


def _which_constant(literal: cst.BaseExpression) -> str:
    """The constant a `constant_(w, c)` / `fill_(c)` argument sets: "zero", "one" or "constant"."""
    if type(literal) in (cst.Integer, cst.Float):
        return {0.0: "zero", 1.0: "one"}.get(float(literal.value), "constant")
    return "constant"


def constant_init(call: cst.Call, q: QualifiedName) -> Optional[tuple[cst.BaseExpression, str]]:
    """`nn.init.zeros_(w)`, `nn.init.constant_(w, c)`, `w.zero_()`, `w.fill_(c)`: (`w`, which
    constant); None for any other call."""
    name = q(call.func)
    if name in _CONSTANT_INIT_FUNCTIONS and call.args:
        value = _CONSTANT_INIT_FUNCTIONS[name]
        if value == "constant" and len(call.args) > 1:
            value = _which_constant(call.args[1].value)
        return call.args[0].value, value
    if type(call.func) is cst.Attribute and call.func.attr.value in _CONSTANT_METHODS:
        value = _CONSTANT_METHODS[call.func.attr.value]
        if value == "constant" and call.args:
            value = _which_constant(call.args[0].value)
        return call.func.value, value
    return None


def constant_factory(value: cst.BaseExpression, q: QualifiedName) -> Optional[str]:
    """`torch.zeros(...)` or `nn.Parameter(torch.zeros(...))`: which constant."""
    factory = parameter_argument(value, q)
    if factory is not None:
        value = factory
    if type(value) is cst.Call:
        return _CONSTANT_FACTORIES.get(q(value.func) or "")
    return None
