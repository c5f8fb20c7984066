"""Which `x.forward(...)` calls go around an nn.Module's `__call__` (read by NNL604).

A call is left out when its receiver is surely not a module, or when skipping the hooks is
the design:
- the receiver is an element of a plain `dict` / `list` attribute (`self.variants[name]`):
  registered submodules live in `nn.ModuleDict`/`nn.ModuleList`, plain containers hold
  strategy objects whose `forward` is a function of theirs;
- the call hands `self` over as its first argument (`self.variant.forward(self, x)`): the
  receiver is a helper object working on the module, not a module run for its output;
- the file uses a library whose objects expose `forward` as API (catalogue
  FORWARD_API_LIBRARIES: skorch nets, TorchScript custom classes) and the receiver is not
  bound in the file to a torch.nn construction or one of the file's own module classes;
- a wrapper's `forward(self, *args, **kwargs)` passes exactly its own `*args, **kwargs` on to
  the wrapped model's `forward`: the wrapper's own `__call__` already ran the hooks;
- the receiver is a module the file builds itself (every binding of the name, `self.head`
  included, is a class construction: `self.projection_head = ProjectionHead(...)`,
  `model = Net()`), and nothing in the file installs hooks or hook-based wrappers (catalogue
  HOOK_INSTALLERS: `register_forward_hook`, `spectral_norm`, pruning, DDP, `torch.compile`...):
  its `__call__` would run nothing but `forward`. A submodule of such a module, a deep copy of
  one (`teacher = copy.deepcopy(student)`), an alias (`a = b = self.head`) and a class called
  through `functools.partial` count too. A module handed in (a parameter, a
  `from_pretrained()` model, an element of a loop) may carry hooks its owner registered, and
  stays reported.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from nnlint.analysis.facts import FileFacts
from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.program.syntax import all_statements, dotted_name, iter_calls
from nnlint.catalogue import is_nn_class
from nnlint.catalogue.ecosystem import FORWARD_API_LIBRARIES, HOOK_INSTALLER_FUNCTIONS, HOOK_INSTALLERS


class ForwardReceivers:
    """What the file binds its names to, asked once per file for every `forward` call."""

    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts
        self.plain_containers: set[str] = set()
        self.module_names: set[str] = set()
        self.delegations: set[int] = set()
        self.uses_forward_api = any((name or "").startswith(FORWARD_API_LIBRARIES) for name in facts.imports.values())
        # Names every binding of which constructs a class (a module built here), and whether
        # anything in the file installs hooks.
        self.constructed: set[str] = set()
        self.bound_otherwise: set[str] = set()
        self.copies: dict[str, str] = {}  # `teacher = copy.deepcopy(student)`: name -> source
        self.class_partials: set[str] = set()
        self.installs_hooks = False
        self._read(facts.module.body)

    def _read(self, body) -> None:
        for node in all_statements(body):
            if type(node) is cst.FunctionDef and node.name.value == "forward":
                self._note_delegation(node)
            if type(node) is cst.SimpleStatementLine and not self.uses_forward_api:
                self.uses_forward_api = any(
                    (qualified_name(call.func, self.facts.imports) or "").startswith(FORWARD_API_LIBRARIES)
                    for call in iter_calls(node))
            if not self.installs_hooks and type(node) is cst.SimpleStatementLine:
                self.installs_hooks = any(self._installs_hooks(call) for call in iter_calls(node))
            if type(node) is cst.ImportFrom and node.module is not None:
                # Imports inside functions and fixtures too (`from skorch import NeuralNet`).
                self.uses_forward_api |= (dotted_name(node.module) or "").startswith(FORWARD_API_LIBRARIES)
            elif type(node) is cst.Import:
                self.uses_forward_api |= any((dotted_name(alias.name) or "").startswith(FORWARD_API_LIBRARIES)
                                             for alias in node.names)
            targets, value = _assignment(node)
            for target in targets:
                name = dotted_name(target)
                if name is None or value is None:
                    continue
                if type(value) in (cst.Dict, cst.List) or (
                        type(value) is cst.Call and dotted_name(value.func) in ("dict", "list")):
                    self.plain_containers.add(name)
                elif type(value) is cst.Call and self._builds_module(value):
                    self.module_names.add(name)
                if type(value) is cst.Call and _partial_class(value):
                    self.class_partials.add(name)  # `head = partial(ProjectionHead, 384)`
                if type(value) is cst.Call and (_constructs_class(value) or dotted_name(value.func) in self.class_partials):
                    self.constructed.add(name)
                elif type(value) is cst.Call and _copy_of(value):
                    self.copies[name] = _copy_of(value)
                elif type(value) in (cst.Name, cst.Attribute) and dotted_name(value):
                    self.copies[name] = dotted_name(value) or ""  # `a = b = self.head`: the same module
                else:
                    self.bound_otherwise.add(name)

    def _installs_hooks(self, call: cst.Call) -> bool:
        func = call.func
        last = func.attr.value if type(func) is cst.Attribute else func.value if type(func) is cst.Name else ""
        return last in HOOK_INSTALLERS or qualified_name(func, self.facts.imports) in HOOK_INSTALLER_FUNCTIONS

    def built_here_without_hooks(self, receiver: str) -> bool:
        """`receiver` is only ever bound to a class built in this file, and the file installs
        no hooks: calling it would run `forward` and nothing else."""
        return not self.installs_hooks and self._built_here(receiver, 3)

    def _built_here(self, receiver: str, depth: int) -> bool:
        """`receiver`, or the module it is an attribute of (`self.head.ibot_head` of
        `self.head`), is built here: a construction, or a deep copy of one."""
        parts = receiver.split(".")
        for end in range(len(parts), 0, -1):
            prefix = ".".join(parts[:end])
            if prefix in self.bound_otherwise:
                return False
            if prefix in self.copies:
                return depth > 0 and prefix not in self.constructed and self._built_here(self.copies[prefix], depth - 1)
            if prefix in self.constructed:
                return True
        return False

    def _builds_module(self, call: cst.Call) -> bool:
        func = call.func
        if type(func) is cst.Name and func.value in self.facts.models:
            return True
        return is_nn_class(qualified_name(func, self.facts.imports))

    def _note_delegation(self, function: cst.FunctionDef) -> None:
        star = function.params.star_arg
        star_args = star.name.value if type(star) is cst.Param else None
        star_kwargs = function.params.star_kwarg.name.value if function.params.star_kwarg else None
        if star_args is None and star_kwargs is None:
            return
        for statement in all_statements(function.body.body):
            for call in iter_calls(statement):
                if type(call.func) is cst.Attribute and call.func.attr.value == "forward" \
                        and call.args and all(_passes_through(arg, star_args, star_kwargs) for arg in call.args):
                    self.delegations.add(id(call))

    def goes_around_hooks(self, call: cst.Call, receiver: str) -> bool:
        """The `receiver.forward(...)` call `call` skips a module's hooks by mistake, as far as
        the file shows."""
        if id(call) in self.delegations:
            return False
        if call.args and type(call.args[0].value) is cst.Name and call.args[0].value.value == "self" \
                and call.args[0].star == "":
            return False  # `strategy.forward(self, x)`: a helper object handed the module, not a module
        func = call.func
        if type(func) is cst.Attribute and type(func.value) is cst.Subscript:
            container = dotted_name(func.value.value)
            if container in self.plain_containers:
                return False
        if self.uses_forward_api and receiver not in self.module_names:
            return False
        if self.built_here_without_hooks(receiver):
            return False
        return True


def _constructs_class(call: cst.Call) -> bool:
    """`Net()`, `nn.Linear(4, 2)`, `heads.ProjectionHead(512, 128)`: a class called (by the
    naming convention), not a factory or loader (`from_pretrained`, `load`, `build_model`)."""
    func = call.func
    last = func.attr.value if type(func) is cst.Attribute else func.value if type(func) is cst.Name else ""
    return last[:1].isupper()


def _partial_class(call: cst.Call) -> bool:
    """`partial(ProjectionHead, 384, ...)`: a class with some arguments bound."""
    func = call.func
    last = func.attr.value if type(func) is cst.Attribute else func.value if type(func) is cst.Name else ""
    if last != "partial" or not call.args:
        return False
    target = call.args[0].value
    name = target.attr.value if type(target) is cst.Attribute else target.value if type(target) is cst.Name else ""
    return name[:1].isupper()


def _copy_of(call: cst.Call) -> str:
    """The name `copy.deepcopy(name)` copies, else ""."""
    func = call.func
    last = func.attr.value if type(func) is cst.Attribute else func.value if type(func) is cst.Name else ""
    if last != "deepcopy" or len(call.args) != 1:
        return ""
    return dotted_name(call.args[0].value) or ""


def _assignment(small: cst.CSTNode) -> tuple[list[cst.BaseExpression], Optional[cst.BaseExpression]]:
    if type(small) is cst.Assign:
        return [t.target for t in small.targets], small.value
    if type(small) is cst.AnnAssign:
        return [small.target], small.value
    return [], None


def _passes_through(arg: cst.Arg, star_args: Optional[str], star_kwargs: Optional[str]) -> bool:
    name = arg.value.value if type(arg.value) is cst.Name else None
    return (arg.star == "*" and name == star_args) or (arg.star == "**" and name == star_kwargs)
