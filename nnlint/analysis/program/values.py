"""The abstract values the interpreter tracks: just enough to know what reaches a loss.

A value set is a tuple of alternatives (a variable assigned in both branches of an `if`
holds both); the empty tuple means "unknown", which every rule treats as "say nothing".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional, Union

import libcst as cst

from nnlint.analysis.facts import Output

# A union caps at this many alternatives: beyond it the value is as good as unknown,
# and keeping the cap small keeps the fixed point cheap.
MAX_ALTERNATIVES = 8


@dataclass(frozen=True)
class Constant:
    """A literal int/float/str/bool the interpreter met (layer widths, dims)."""

    value: object


@dataclass(eq=False)
class ModuleValue:
    """A torch module built at `node`, e.g. `nn.Linear(64, 10)` or a `Sequential`.

    One object per constructor call, kept across fixed-point rounds so that value sets
    compare equal from round to round; `layers` is refilled when the call is re-run.
    """

    qualname: str
    node: cst.Call
    width: Optional[int] = None
    layers: list["ValueSet"] = field(default_factory=list)
    named: dict[str, "ValueSet"] = field(default_factory=dict)
    # The function (or method) whose code builds it; None for module-level script code.
    built_in: Optional["FunctionInfo"] = None

    @property
    def short_name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class SequenceValue:
    """A tuple or list whose items are known; `homogeneous` for comprehensions."""

    items: tuple["ValueSet", ...]
    homogeneous: bool = False


@dataclass(frozen=True)
class DictValue:
    items: tuple[tuple[str, "ValueSet"], ...]

    def get(self, key: str) -> "ValueSet":
        for name, values in self.items:
            if name == key:
                return values
        return ()


@dataclass(eq=False)
class FunctionInfo:
    """A function or method of the file and what the interpreter learned about it."""

    node: cst.FunctionDef
    owner: Optional["ClassInfo"] = None
    closure: Optional[dict[str, "ValueSet"]] = None
    bindings: dict[str, "ValueSet"] = field(default_factory=dict)
    called: bool = False
    returns: "ValueSet" = ()

    @property
    def name(self) -> str:
        return self.node.name.value

    @property
    def is_method(self) -> bool:
        if self.owner is None:
            return False
        for decorator in self.node.decorators:
            if type(decorator.decorator) is cst.Name and decorator.decorator.value == "staticmethod":
                return False
        return True


@dataclass(eq=False)
class ClassInfo:
    node: cst.ClassDef
    is_module: bool
    bases: list["ClassInfo"] = field(default_factory=list)
    methods: dict[str, FunctionInfo] = field(default_factory=dict)
    attributes: dict[str, "ValueSet"] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.node.name.value

    def find_method(self, name: str) -> Optional[FunctionInfo]:
        if name in self.methods:
            return self.methods[name]
        for cls in self._base_lineage():
            if name in cls.methods:
                return cls.methods[name]
        return None

    def find_attribute(self, name: str) -> "ValueSet":
        if name in self.attributes:
            return self.attributes[name]
        for cls in self._base_lineage():
            if name in cls.attributes:
                return cls.attributes[name]
        return ()

    def lineage(self) -> tuple["ClassInfo", ...]:
        """The class and its bases of the file, breadth first."""
        return (self, *self._base_lineage())

    def _base_lineage(self) -> tuple["ClassInfo", ...]:
        """The lineage without the class itself. Computed once: a ClassInfo's bases are fixed
        when it is made (a re-registered class is a new ClassInfo), and this is asked for at
        every method and attribute lookup. The class is left out so that the memo does not
        make it a cycle of its own (see `release`)."""
        cached = self.__dict__.get("_base_lineage_memo")
        if cached is not None:
            return cached
        seen: list[ClassInfo] = []
        pending = [self]
        while pending:
            cls = pending.pop(0)
            if cls not in seen:
                seen.append(cls)
                pending.extend(cls.bases)
        self.__dict__["_base_lineage_memo"] = found = tuple(cls for cls in seen if cls is not self)
        return found


@dataclass(frozen=True)
class Instance:
    """An object of a class defined in this file (one abstract object per class)."""

    cls: ClassInfo


@dataclass(frozen=True)
class ClassRef:
    cls: ClassInfo


@dataclass(frozen=True)
class FunctionRef:
    function: FunctionInfo
    bound_to: Optional[Instance] = None


@dataclass(frozen=True)
class ImportedInstance:
    """What calling an imported, non-torch name returns: perhaps a model of another project
    file (`Net()`, `build_model()`), known only by that name until the project join."""

    qualname: str


@dataclass(frozen=True)
class LibraryRef:
    """A library class or function held as a value rather than called where it is named:
    `getattr(nn, "ReLU")`, `getattr(nn, cfg["act"])` with the string known. Calling it is
    calling the library name."""

    qualname: str


Value = Union[Constant, ModuleValue, SequenceValue, DictValue, Instance, ClassRef, FunctionRef, Output,
              ImportedInstance, LibraryRef]
ValueSet = tuple[Value, ...]
Env = dict[str, ValueSet]


def join(*sets: ValueSet) -> ValueSet:
    """Union of value sets, in first-seen order, capped at MAX_ALTERNATIVES."""
    # Most joins (a quarter of a million on a large corpus) have nothing or one value to
    # merge: answered without building the list.
    only: ValueSet = ()
    nonempty = 0
    for values in sets:
        if values:
            only = values
            nonempty += 1
    if nonempty == 0:
        return ()
    if nonempty == 1 and len(only) == 1 and type(only) is tuple:
        return only
    merged: list[Value] = []
    for values in sets:
        for value in values:
            if value not in merged:
                merged.append(value)
                if len(merged) >= MAX_ALTERNATIVES:
                    return tuple(merged)
    return tuple(merged)


def outputs_of(values: ValueSet) -> tuple[Output, ...]:
    return tuple(value for value in values if isinstance(value, Output))


def through_model(value: Value, model: str) -> Value:
    """The value as it comes out of `model`: a tensor not yet attributed to a model is now its output."""
    return value.through_model(model) if isinstance(value, Output) else value


def single_int(values: ValueSet) -> Optional[int]:
    """The int a value set surely holds, if it holds exactly one int and nothing else."""
    if len(values) == 1 and isinstance(values[0], Constant):
        value = values[0].value
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def release(functions: Iterable[FunctionInfo], modules: Iterable[ModuleValue]) -> None:
    """Empty what the interpreter's functions, classes and modules hold, once its facts are
    made (nothing outside nnlint.analysis.program keeps these values).

    They refer to each other in cycles: a function's closure holds a FunctionRef to itself,
    a class's methods have it as their owner, a module built in a function points back at
    it. Unbroken, the cycles keep the file's whole syntax tree alive until the cycle
    collector runs, which then walks every node (about two million objects on timm);
    broken, reference counting frees the tree as soon as the file is done. `functions` is
    every FunctionInfo the interpreter made, which reaches every ClassInfo (each method's
    owner, and its bases); `modules` every ModuleValue."""
    classes: dict[int, ClassInfo] = {}
    for function in functions:
        if function.owner is not None:
            for cls in function.owner.lineage():
                classes[id(cls)] = cls
        function.owner = function.closure = None
        function.bindings = {}
        function.returns = ()
    for cls in classes.values():
        cls.bases, cls.methods, cls.attributes = [], {}, {}
        cls.__dict__.pop("_base_lineage_memo", None)
    for module in modules:
        module.layers, module.named, module.built_in = [], {}, None
