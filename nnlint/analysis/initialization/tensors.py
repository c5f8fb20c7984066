"""Tensors and layers an `nn.Module` keeps where PyTorch does not see them (NNL302-NNL304):

- layers (or parameters) held in plain list/tuple/dict attributes;
- tensors created with a random/constant factory in `__init__`, used as a matmul/linear
  operand, and neither `nn.Parameter` nor a registered buffer;
- parameters and buffers created with `torch.Tensor(a, b)` / `torch.empty(...)` that
  nothing in the class (or file) initializes afterwards.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from nnlint.analysis.initialization.classes import FileClasses, ModuleClass
from nnlint.analysis.initialization.facts import (
    InitializationFacts,
    PlainContainer,
    PlainTensor,
    UninitializedTensor,
)
from nnlint.analysis.initialization.syntax import (
    DRAWN_TENSOR_FACTORIES,
    PARAMETER_NAMES,
    STATELESS_MODULES,
    TENSOR_FACTORIES,
    UNINITIALIZED_FACTORIES,
    assignments,
    container_kind,
    factory_dims,
    is_layer_class,
    is_self,
    is_shape_call,
    parameter_argument,
    parameter_copy,
    self_attribute,
    short_name,
    spelled,
    unwrap_tensor,
    walk,
)
from nnlint.analysis.initialization.usage import ClassUsage, initialized_attributes
from nnlint.analysis.program.syntax import string_value


_CONTAINERS = frozenset({cst.List, cst.Tuple, cst.Dict, cst.ListComp, cst.DictComp})


class _UsageWhenRead:
    """A class's `ClassUsage`, walked the first time a check reads it: the walk covers every
    method of the class, and most classes' `__init__` assigns nothing it decides about
    (no container or tensor kept on `self`)."""

    def __init__(self, file: FileClasses, cls: ModuleClass) -> None:
        self._file = file
        self._cls = cls

    def __getattr__(self, name: str):
        return getattr(self._file.usage(self._cls), name)


class SelfTensorFinder:
    """Appends what it finds in the file's `nn.Module` classes to `result`."""

    def __init__(self, file: FileClasses, result: InitializationFacts):
        self.file = file
        self.q = file.q
        self.result = result
        self._file_initialized: Optional[set[str]] = None
        # The nodes of each `__init__` body, walked once: a class's checks read them 3-4 times.
        self._init_nodes: dict[int, tuple[cst.FunctionDef, tuple[cst.CSTNode, ...]]] = {}

    def _walk_init(self, init: cst.FunctionDef) -> tuple[cst.CSTNode, ...]:
        entry = self._init_nodes.get(id(init))
        if entry is None or entry[0] is not init:
            entry = self._init_nodes[id(init)] = (init, tuple(walk(init.body)))
        return entry[1]

    def run(self) -> None:
        for cls in self.file.classes.values():
            if cls.is_module:
                self._check_class(cls)

    def _check_class(self, cls: ModuleClass) -> None:
        init = cls.methods.get("__init__")
        if init is None or not self._has_candidates(init):
            return
        usage: ClassUsage = _UsageWhenRead(self.file, cls)  # type: ignore[assignment]
        for node in self._walk_init(init):
            kind = type(node)  # not isinstance: see syntax.descendants
            if kind is cst.Assign or kind is cst.AnnAssign:
                for target, value in assignments(node):
                    self._self_assignment(cls, usage, target, value)
            elif kind is cst.Call:
                self._registration(cls, usage, node)
        self._plain_containers(cls, init, usage)

    def _has_candidates(self, init: cst.FunctionDef) -> bool:
        """Whether `__init__` builds any tensor or container worth a look at the whole class."""
        for node in self._walk_init(init):
            kind = type(node)  # not isinstance: see syntax.descendants
            if kind in _CONTAINERS:
                return True
            if kind is cst.Call:
                name = self.q(node.func)
                if name in TENSOR_FACTORIES or name in UNINITIALIZED_FACTORIES or name in PARAMETER_NAMES:
                    return True
        return False

    # ------------------------------------------------------------ tensors

    def _created_tensor(self, value: cst.BaseExpression) -> tuple[Optional[cst.Call], bool]:
        """The factory call that makes a tensor (`torch.randn(a, b) * 0.1`, possibly inside
        `nn.Parameter(...)`), and whether what is kept is that `nn.Parameter` (not a copy made
        of it by `.to(device)`: see `parameter_copy`)."""
        tensor = unwrap_tensor(value)
        wrapped = parameter_argument(tensor, self.q)
        kept = wrapped is not None and parameter_copy(value, tensor) is None
        if wrapped is not None:
            tensor = unwrap_tensor(wrapped)
        return (tensor if type(tensor) is cst.Call else None), kept

    def _self_assignment(self, cls: ModuleClass, usage: ClassUsage, target, value) -> None:
        attr = self_attribute(target)
        if attr is None:
            return
        if type(value) is cst.IfExp:
            # `nn.Parameter(torch.empty(n)) if bias else None`: each branch is what may be kept.
            self._self_assignment(cls, usage, target, value.body)
            self._self_assignment(cls, usage, target, value.orelse)
            return
        inner = unwrap_tensor(value)
        if parameter_argument(inner, self.q) is not None:
            copied = parameter_copy(value, inner)
            if copied is not None and attr not in usage.registered and attr not in usage.reassigned:
                # `nn.Parameter(w).cuda()` keeps the copy, a plain tensor, however it is used.
                self.result.plain_tensors.append(PlainTensor(
                    inner, attr, spelled(inner.func), usage.matmul_operands.get(attr), cls.name, copied))
                return
        call, is_parameter = self._created_tensor(value)
        if call is None:
            return
        if is_parameter:
            self._uninitialized(cls, usage, attr, call, "parameter")
            return
        factory = self.q(call.func)
        dims = factory_dims(call)
        weight_shaped = dims >= 2 or (dims == 1 and factory in DRAWN_TENSOR_FACTORIES)
        if factory in TENSOR_FACTORIES and weight_shaped and attr in usage.matmul_operands \
                and attr not in usage.registered and attr not in usage.reassigned:
            self.result.plain_tensors.append(
                PlainTensor(call, attr, spelled(call.func), usage.matmul_operands[attr], cls.name))

    def _registration(self, cls: ModuleClass, usage: ClassUsage, call: cst.Call) -> None:
        """`self.register_buffer('w', torch.empty(n))` / `register_parameter`."""
        if not (type(call.func) is cst.Attribute and call.func.attr.value in ("register_buffer", "register_parameter")
                and is_self(call.func.value) and len(call.args) >= 2):
            return
        name = call.args[0].value
        if type(name) is not cst.SimpleString:
            return
        attr = string_value(name)
        if not isinstance(attr, str):
            return  # bytes
        kind = "buffer" if call.func.attr.value == "register_buffer" else "parameter"
        tensor, _ = self._created_tensor(call.args[1].value)
        if tensor is not None:
            self._uninitialized(cls, usage, attr, tensor, kind)

    def _uninitialized(self, cls: ModuleClass, usage: ClassUsage, attr: str, call: cst.Call, kind: str) -> None:
        """Records `call` when it leaves memory uninitialized and nothing initializes `attr`."""
        factory = self.q(call.func)
        if factory in UNINITIALIZED_FACTORIES and is_shape_call(call, factory) \
                and self._never_initialized(attr, usage):
            self.result.uninitialized.append(UninitializedTensor(call, attr, spelled(call.func), kind, cls.name))

    def _never_initialized(self, attr: str, usage: ClassUsage) -> bool:
        if attr in usage.initialized or usage.initializes_all:
            return False
        # A model-wide initializer elsewhere in the file (`_init_weights(self, module)` of a
        # pretrained-model base class: `init.uniform_(module.codevectors)`).
        if self._file_initialized is None:
            self._file_initialized = initialized_attributes(self.file.module, self.q)
        return attr not in self._file_initialized

    # ------------------------------------------------------------ plain containers

    def _plain_containers(self, cls: ModuleClass, init: cst.FunctionDef, usage: ClassUsage) -> None:
        local_lists: dict[str, tuple[str, bool]] = {}  # name -> (element, parameters)
        reported: set[str] = set()
        init_nodes = self._walk_init(init)
        for node in init_nodes:
            kind = type(node)  # not isinstance: see syntax.descendants
            if kind is cst.Assign and len(node.targets) == 1:
                target = node.targets[0].target
                found = self._container_elements(node.value)
                if type(target) is cst.Name and found is not None:
                    local_lists[target.value] = found
            elif (kind is cst.Call and type(node.func) is cst.Attribute
                  and node.func.attr.value in ("append", "extend", "insert")
                  and type(node.func.value) is cst.Name and node.args):
                element = self._element(node.args[-1].value)
                if element is not None:
                    local_lists.setdefault(node.func.value.value, element)
                elif node.func.attr.value == "extend":
                    found = self._container_elements(node.args[0].value)
                    if found is not None:
                        local_lists.setdefault(node.func.value.value, found)
        for node in init_nodes:
            if not (type(node) is cst.Assign and len(node.targets) == 1):
                continue
            attr = self_attribute(node.targets[0].target)
            if attr is None:
                continue
            value = node.value
            found = self._container_elements(value)
            kind = container_kind(value)
            if found is None and type(value) is cst.Name and value.value in local_lists \
                    and value.value not in usage.wrapped_locals:
                found = local_lists[value.value]
                kind = "list"
            # The usage is read last: walking the class for it is the costly part.
            if found is None or kind is None or attr in usage.wrapped:
                continue
            element, parameters = found
            self.result.plain_containers.append(
                PlainContainer(node.value, attr, kind, element, parameters, cls.name))
            reported.add(attr)
        self._followed_containers(cls, init, usage, reported)

    def _followed_containers(self, cls: ModuleClass, init: cst.FunctionDef, usage: ClassUsage,
                             reported: set[str]) -> None:
        """Plain containers the interpreter saw filled with layers where the syntax does not
        show them: names bound to layers earlier (`self.stages = (body, head)`), appends to the
        attribute itself (`self.hidden.append(nn.Linear(...))` in a loop), layers from a
        helper or from `getattr(nn, name)(...)`."""
        model = self.file.models.get(cls.name)
        if model is None:
            return
        for attr, element in model.unregistered_layers.items():
            if attr in reported or attr in usage.wrapped:
                continue
            site = _container_site(init, attr)
            if site is None:
                continue
            node, kind = site
            self.result.plain_containers.append(PlainContainer(node, attr, kind, element, False, cls.name))

    def _element(self, node: cst.BaseExpression) -> Optional[tuple[str, bool]]:
        """A layer or parameter construction: (short class name, is a parameter)."""
        if type(node) is not cst.Call:
            return None
        name = self.q(node.func)
        if name in PARAMETER_NAMES:
            return "Parameter", True
        if is_layer_class(name) and short_name(name) not in STATELESS_MODULES \
                and not name.endswith(("ModuleList", "ModuleDict", "ParameterList", "ParameterDict")):
            return short_name(name), False
        classes = self.file.classes
        if type(node.func) is cst.Name and node.func.value in classes and classes[node.func.value].is_module:
            return node.func.value, False
        return None

    def _container_elements(self, value: cst.BaseExpression) -> Optional[tuple[str, bool]]:
        """The first layer or parameter construction among a container display's elements."""
        if type(value) in (cst.List, cst.Tuple):
            elements = [e.value for e in value.elements if type(e) is not cst.StarredElement]
        elif type(value) is cst.Dict:
            elements = [e.value for e in value.elements if type(e) is cst.DictElement]
        elif type(value) is cst.ListComp:
            elements = [value.elt]
        elif type(value) is cst.DictComp:
            elements = [value.value]
        else:
            return None
        for element in elements:
            found = self._element(element)
            if found is not None:
                return found
        return None


def _container_site(init: cst.FunctionDef, attr: str) -> Optional[tuple[cst.CSTNode, str]]:
    """Where `__init__` makes `self.<attr>` a container, and which kind: the first assignment
    (`self.hidden = []`), else the first `self.<attr>.append(...)`."""
    grown: Optional[cst.CSTNode] = None
    for node in walk(init.body):
        if type(node) is cst.Assign and len(node.targets) == 1 \
                and self_attribute(node.targets[0].target) == attr:
            value = node.value
            kind = "tuple" if type(value) is cst.Tuple else \
                "dict" if type(value) in (cst.Dict, cst.DictComp) else "list"
            return value, kind
        if grown is None and type(node) is cst.Call and type(node.func) is cst.Attribute \
                and node.func.attr.value in ("append", "extend", "insert") \
                and self_attribute(node.func.value) == attr:
            grown = node
    return (grown, "list") if grown is not None else None
