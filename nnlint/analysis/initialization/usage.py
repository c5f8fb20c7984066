"""How code uses the tensors it keeps on modules: which `self.X` a class uses as a weight
matrix, initializes, registers or rebinds, and which attribute names any code of the file
initializes (`init.uniform_(module.codevectors)` in a model-wide initializer).
"""

from __future__ import annotations

import libcst as cst

from nnlint.analysis.program.syntax import nodes_by_type, string_value
from nnlint.analysis.initialization.syntax import (
    MATMUL_FUNCTIONS,
    MATMUL_METHODS,
    MODULE_ITERATORS,
    PARAMETER_ITERATORS,
    PARAMETER_NAMES,
    QualifiedName,
    initializes_arguments,
    is_in_place,
    is_parameter_matrix,
    is_self,
    self_attribute,
    strip_data,
    strip_transpose,
    walk,
    written_tensor,
)


class ClassUsage:
    """How a class's methods use its `self.X` attributes, from one walk of the class."""

    def __init__(self, methods: dict[str, cst.FunctionDef], q: QualifiedName):
        self.matmul_operands: dict[str, cst.CSTNode] = {}  # attr -> the op using it (outside __init__)
        self.initialized: set[str] = set()  # in-place init, init call, item assignment, `.data =`
        self.initializes_all = False  # parameters()/apply loops: every parameter initialized
        self.registered: set[str] = set()  # register_buffer / register_parameter / Parameter(self.X)
        self.reassigned: set[str] = set()  # assigned again outside __init__
        self.wrapped: set[str] = set()  # passed to a call (ModuleList(self.X), Sequential(*self.X))
        self.wrapped_locals: set[str] = set()
        self.parameter_matrices: set[str] = set()  # self.X = nn.Parameter(<2-D or more>)
        for name, method in methods.items():
            in_init = name == "__init__"
            for node in walk(method.body):
                kind = type(node)  # not isinstance: see syntax.descendants
                if kind is cst.Call:
                    self._call(node, q, in_init, methods)
                elif kind is cst.BinaryOperation and type(node.operator) is cst.MatrixMultiply:
                    if not in_init:
                        for side in (node.left, node.right):
                            self._matmul_operand(side, node)
                elif kind is cst.Assign or kind is cst.AugAssign or kind is cst.AnnAssign:
                    targets = [t.target for t in node.targets] if kind is cst.Assign else [node.target]
                    for target in targets:
                        self._assigned(target, in_init)
                    value = getattr(node, "value", None)
                    if len(targets) == 1 and value is not None and is_parameter_matrix(value, q):
                        attr = self_attribute(targets[0])
                        if attr is not None:
                            self.parameter_matrices.add(attr)
                elif kind is cst.For and type(node.iter) is cst.Call \
                        and type(node.iter.func) is cst.Attribute \
                        and node.iter.func.attr.value in (PARAMETER_ITERATORS | MODULE_ITERATORS):
                    self.initializes_all = True

    def _matmul_operand(self, operand: cst.BaseExpression, operation: cst.CSTNode) -> None:
        attr = self_attribute(strip_transpose(operand))
        if attr is not None:
            self.matmul_operands.setdefault(attr, operation)

    def _assigned(self, target, in_init: bool) -> None:
        for element in ([e.value for e in target.elements] if type(target) in (cst.Tuple, cst.List) else [target]):
            tensor = written_tensor(element)
            if tensor is not None:
                attr = self_attribute(tensor)
                if attr is not None:
                    self.initialized.add(attr)
                continue
            attr = self_attribute(element)
            if attr is not None and not in_init:
                self.reassigned.add(attr)
                self.initialized.add(attr)

    def _call(self, call: cst.Call, q: QualifiedName, in_init: bool, methods: dict[str, cst.FunctionDef]) -> None:
        func = call.func
        if type(func) is cst.Attribute:
            method = func.attr.value
            attr = self_attribute(strip_data(func.value))
            if attr is not None:
                if is_in_place(method):
                    self.initialized.add(attr)  # self.W.uniform_(), self.W.data.normal_()
                elif method in MATMUL_METHODS and not in_init:
                    self.matmul_operands.setdefault(attr, call)
            if is_self(func.value):
                if method == "apply":
                    self.initializes_all = True
                elif method in ("register_buffer", "register_parameter") and len(call.args) >= 2:
                    name = call.args[0].value
                    registered = string_value(name) if type(name) is cst.SimpleString else None
                    if isinstance(registered, str):
                        self.registered.add(registered)
                elif method not in methods and ("init" in method or "reset" in method):
                    # An initializer inherited from a base class (nn.Linear.reset_parameters).
                    self.initializes_all = True
            if method in MATMUL_METHODS and not in_init:
                for arg in call.args:
                    self._matmul_operand(arg.value, call)
        name = q(func)
        if name in MATMUL_FUNCTIONS and not in_init:
            for arg in call.args:
                self._matmul_operand(arg.value, call)
            return
        if name in PARAMETER_NAMES:
            for arg in call.args:
                attr = self_attribute(arg.value)
                if attr is not None:
                    self.registered.add(attr)
            return
        # Any other call taking `self.X` as an argument: an initializer (`glorot(self.W)`,
        # `nn.init.xavier_uniform_(self.W)`) or a wrapper (`nn.ModuleList(self.layers)`).
        for arg in call.args:
            value = strip_data(arg.value)
            attr = self_attribute(value)
            if attr is not None:
                self.wrapped.add(attr)
                if initializes_arguments(name) or name.endswith("_"):
                    self.initialized.add(attr)
            elif type(value) is cst.Name:
                self.wrapped_locals.add(value.value)


def initialized_attributes(module: cst.Module, q: QualifiedName) -> set[str]:
    """Attribute names `X` that some code of the file initializes as `<anything>.X`: the
    receiver of an in-place method (`m.w.uniform_()`), an argument of `nn.init.*` or of a
    helper, or assigned through `.data` / an index. Code on `self.X` is left out: it
    initializes its own class's attribute, which `ClassUsage` sees."""
    found: set[str] = set()
    # Every node of the file, from the index the constant-init search has already built
    # (a set is gathered: the order the nodes are read in does not matter).
    index = nodes_by_type(module)
    for node in index.get(cst.Call, ()):
        func = node.func
        if type(func) is cst.Attribute and is_in_place(func.attr.value):
            receiver = strip_data(func.value)
            if type(receiver) is cst.Attribute and not is_self(receiver.value):
                found.add(receiver.attr.value)
        if initializes_arguments(q(func)):
            for arg in node.args:
                value = strip_data(arg.value)
                if type(value) is cst.Attribute and not is_self(value.value):
                    found.add(value.attr.value)
    for node in index.get(cst.Assign, ()):
        for target in node.targets:
            tensor = written_tensor(target.target)
            if type(tensor) is cst.Attribute and not is_self(tensor.value):
                found.add(tensor.attr.value)
    for node in index.get(cst.For, ()):
        found.update(_initialized_by_loop(node, q))
    return found


def _initialized_by_loop(loop: cst.For, q: QualifiedName) -> set[str]:
    """`for p in [m.q, m.k, m.v]: init.normal_(p)` initializes `q`, `k` and `v`."""
    if type(loop.target) is not cst.Name or type(loop.iter) not in (cst.List, cst.Tuple):
        return set()
    variable = loop.target.value
    listed = {
        element.value.attr.value
        for element in loop.iter.elements
        if type(element.value) is cst.Attribute and not is_self(element.value.value)
    }
    for node in walk(loop.body, nested=True):
        if type(node) is not cst.Call:
            continue
        func = node.func
        if type(func) is cst.Attribute and is_in_place(func.attr.value):
            receiver = strip_data(func.value)
            if type(receiver) is cst.Name and receiver.value == variable:
                return listed
        if initializes_arguments(q(func)) and any(
            isinstance(strip_data(arg.value), cst.Name) and strip_data(arg.value).value == variable for arg in node.args
        ):
            return listed
    return set()
