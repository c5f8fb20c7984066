"""The parts of a file's summary (`ModuleExports`) beyond what its models return: the module
classes (bases, layers, methods, which own methods `forward` hands its result from), the
loss wrappers, and the training pipelines. Computed once per file from the facts the
interpreter and the path analysis already hold; no walk of its own beyond a class's
`forward` and the loss calls' arguments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

import libcst as cst

from nnlint.analysis.program.exports import ModuleExports, encode_returns, flatten_outputs, is_library_name
from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.program.syntax import argument, descendants, descendants_of_types, dotted_name, own_statements, source_code, string_value
from nnlint.analysis.program.values import ClassInfo, FunctionInfo, ModuleValue
from nnlint import catalogue
from nnlint.catalogue import functions as api
from nnlint.catalogue import optim

if TYPE_CHECKING:
    from nnlint.analysis.facts import LossCall

# Tensor methods a loss wrapper may apply to its input before the loss without changing what
# the input is (`logits.view(-1, C)`, `logits.float()`).
_KEEPING_METHODS = api.RESHAPING_METHODS | api.PASS_THROUGH_METHODS


def add_classes(exports: ModuleExports, classes: Mapping[str, ClassInfo], aliases: Mapping[str, str]) -> None:
    """`exports.classes` for every module class of the file, and for every class whose base
    is a project class of another file (whether that makes it a Module only the join knows:
    `"module"` says what this file alone could tell)."""
    for cls in classes.values():
        bases = _bases(cls.node, classes, aliases)
        if not cls.is_module and not any(base not in classes or base in exports.classes for base in bases):
            continue
        methods: dict[str, Any] = {}
        for name, method in cls.methods.items():
            if name == "forward" or name.startswith("__"):
                continue
            returned = encode_returns(method.returns)
            if returned:
                methods[name] = returned
                exports.nodes[f"{cls.name}.{name}"] = [output.node for output in flatten_outputs(method.returns)]
        forward = cls.find_method("forward")
        reads, introspects = _class_reads(cls.node)
        exports.classes[cls.name] = {
            "bases": bases,
            "module": cls.is_module,
            # Every base is nn.Module / LightningModule / object, a class of this file or a
            # project class: nothing unseen (a library model) can use the attributes.
            "closed": _closed(cls.node, classes, aliases),
            "layers": {attribute: value.short_name for attribute, values in cls.attributes.items()
                       for value in values if isinstance(value, ModuleValue)},
            # The torch.nn class of each attribute holding one in every alternative: what a
            # subclass in another file inherits (its forward applying `self.fc1`).
            "torch_layers": _torch_layers(cls),
            "methods": methods,
            "dispatch": returned_self_calls(forward) if forward is not None else [],
            "forward": "forward" in cls.methods,
            # Attribute names the class's code reads and strings it holds (`getattr(self,
            # "fc2")`), and whether it reaches submodules without names or loads a state
            # dict: what a subclass's unused-layer check must know of its bases.
            "reads": reads,
            "introspects": introspects,
        }


def _torch_layers(cls: ClassInfo) -> dict[str, str]:
    found: dict[str, str] = {}
    for attribute, values in cls.attributes.items():
        names = {value.qualname for value in values if isinstance(value, ModuleValue)}
        if len(names) == 1 and len(values) == 1 and catalogue.is_nn_class(next(iter(names))):
            found[attribute] = next(iter(names))
    return found


def _closed(node: cst.ClassDef, classes: Mapping[str, ClassInfo], aliases: Mapping[str, str]) -> bool:
    for base in node.bases:
        if base.keyword is not None:
            continue
        written = dotted_name(base.value)
        if written in classes or written == "object":
            continue
        qualified = qualified_name(base.value, dict(aliases))
        if catalogue.is_module_base(qualified) or (qualified is not None and not is_library_name(qualified)):
            continue
        return False
    return True


# The nodes `_class_reads` looks at; every other node of the class is skipped unseen.
_READ_TYPES = (cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Attribute, cst.Call, cst.FunctionDef,
               cst.SimpleString, cst.FormattedStringText)


def _class_reads(node: cst.ClassDef) -> tuple[list[str], bool]:
    """The attribute names read and the strings written in a class (assignment targets are
    not reads), and whether it introspects its submodules or loads a state dict."""
    stored: set[int] = set()
    names: set[str] = set()
    introspects = False
    found = descendants_of_types(node, _READ_TYPES, stop=())
    # Exact type tests: none of these libcst classes has a subclass (tests/test_fast_paths.py),
    # and isinstance against libcst's ABC-based classes is slow.
    for item in found:
        kind = type(item)
        if kind is cst.Assign:
            targets = [target.target for target in item.targets]
        elif kind is cst.AnnAssign or kind is cst.AugAssign:
            targets = [item.target]
        else:
            continue
        for target in targets:
            target_kind = type(target)
            if target_kind is cst.Attribute:
                stored.add(id(target))
            elif target_kind is cst.Tuple or target_kind is cst.List:
                stored.update(id(e.value) for e in target.elements if type(e.value) is cst.Attribute)
    introspection_methods, state_loading = api.MODULE_INTROSPECTION_METHODS, api.STATE_LOADING_METHODS
    for item in found:
        kind = type(item)
        if kind is cst.Attribute:
            attribute = item.attr.value
            if id(item) not in stored:
                names.add(attribute)
            if attribute in introspection_methods or attribute in state_loading:
                introspects = True
        elif kind is cst.Call:
            if type(item.func) is cst.Name and item.func.value in api.MODULE_INTROSPECTION_FUNCTIONS:
                introspects = True
        elif kind is cst.FunctionDef:
            if item.name.value in state_loading:
                introspects = True
        elif kind is cst.SimpleString:
            text = string_value(item)
            if isinstance(text, str):
                names.add(text)
        elif kind is cst.FormattedStringText:
            names.add(item.value)
    return sorted(names), introspects


def _bases(node: cst.ClassDef, classes: Mapping[str, ClassInfo], aliases: Mapping[str, str]) -> list[str]:
    """The bases another file may define: a class of this file by its name, an imported one
    by its qualified name; torch and library bases are left out (the class's own facts
    already know them)."""
    found: list[str] = []
    for base in node.bases:
        if base.keyword is not None:
            continue
        written = dotted_name(base.value)
        if written in classes:
            found.append(written)
            continue
        qualified = qualified_name(base.value, dict(aliases))
        if qualified is not None and not is_library_name(qualified):
            found.append(qualified)
    return found


def returned_self_calls(forward: FunctionInfo) -> list[str]:
    """The methods of `self` whose result `forward` returns as it is: `return self.classify(h)`,
    or a variable last assigned such a call. A subclass overriding one changes the output."""
    node = forward.node
    params = [*node.params.posonly_params, *node.params.params]
    if not params or not isinstance(node.body, cst.IndentedBlock):
        return []
    receiver = params[0].name.value
    statements = list(own_statements(node.body.body))
    assigned: dict[str, cst.BaseExpression] = {}
    found: list[str] = []
    for statement in statements:
        if isinstance(statement, cst.Assign) and len(statement.targets) == 1 and isinstance(
                statement.targets[0].target, cst.Name):
            assigned[statement.targets[0].target.value] = statement.value
        elif isinstance(statement, cst.Return) and statement.value is not None:
            value = statement.value
            if isinstance(value, cst.Name):
                value = assigned.get(value.value, value)
            method = _self_method(value, receiver)
            if method is not None and method not in found and _is_method_name(forward.owner, method):
                found.append(method)
    return found


def _self_method(value: cst.BaseExpression, receiver: str) -> Optional[str]:
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and isinstance(
            value.func.value, cst.Name) and value.func.value.value == receiver:
        return value.func.attr.value
    return None


def _is_method_name(owner: Optional[ClassInfo], name: str) -> bool:
    """A method of the class (not a layer held in an attribute): the base declares it, or no
    attribute of that name holds anything the file knows."""
    if owner is None:
        return False
    return owner.find_method(name) is not None or not owner.find_attribute(name)


def add_losses(exports: ModuleExports, calls: Sequence["LossCall"], scopes: Mapping[int, FunctionInfo],
               top_functions: Mapping[str, FunctionInfo]) -> None:
    """`exports.losses`: module classes whose `forward`, and top-level functions, that pass a
    parameter to a torch loss as its input. One wrapper calling two different losses (a sum
    of two terms) is not a wrapper of either."""
    found: dict[str, dict[str, Any]] = {}
    ambiguous: set[str] = set()
    top = {id(function) for function in top_functions.values()}
    for call in calls:
        function = scopes.get(id(call.node))
        if function is None:
            continue
        if function.owner is not None:
            if not (function.owner.is_module and function.name == "forward"):
                continue
            key, skip = function.owner.name, 1
        elif id(function) in top:
            key, skip = function.name, 0
        else:
            continue
        params = [param.name.value for param in [*function.node.params.posonly_params,
                                                 *function.node.params.params][skip:]]
        input_index = _parameter_index(_argument(call.node, 0, "input"), params)
        if input_index is None:
            continue
        target = _parameter_index(_argument(call.node, 1, "target"), params)
        entry = {"loss": call.loss, "kind": "function" if skip == 0 else "module",
                 "input": input_index, "input_name": params[input_index],
                 "target": -1 if target is None else target, "target_name": "" if target is None else params[target]}
        if key in found and found[key]["loss"] != call.loss:
            ambiguous.add(key)
        found.setdefault(key, entry)
    exports.losses.update({key: entry for key, entry in found.items() if key not in ambiguous})


def _argument(call: cst.Call, position: int, keyword: str) -> Optional[cst.BaseExpression]:
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    return positional[position].value if position < len(positional) else None


def _parameter_index(value: Optional[cst.BaseExpression], params: list[str]) -> Optional[int]:
    while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and \
            value.func.attr.value in _KEEPING_METHODS:
        value = value.func.value
    if isinstance(value, cst.Name) and value.value in params:
        return params.index(value.value)
    return None


def add_constructions(exports: ModuleExports, top_functions: Mapping[str, FunctionInfo],
                      aliases: Mapping[str, str]) -> None:
    """`exports.constructions`: top-level functions every `return` of which gives one torch
    optimizer or scheduler class, built in the function (`return StepLR(opt, step_size=30)`,
    or a name last assigned such a call). A factory returning different classes by its
    configuration is none of them."""
    for name, function in top_functions.items():
        body = function.node.body
        if not isinstance(body, cst.IndentedBlock):
            continue
        params = [param.name.value for param in [*function.node.params.posonly_params, *function.node.params.params]]
        assigned: dict[str, cst.Call] = {}
        built: list[cst.Call] = []
        unknown = False
        for statement in own_statements(body.body):
            if isinstance(statement, cst.Assign) and len(statement.targets) == 1 and isinstance(
                    statement.targets[0].target, cst.Name) and isinstance(statement.value, cst.Call):
                assigned[statement.targets[0].target.value] = statement.value
            elif isinstance(statement, cst.Return):
                value = statement.value
                if isinstance(value, cst.Name):
                    value = assigned.get(value.value, value)
                if isinstance(value, cst.Call):
                    built.append(value)
                else:
                    unknown = True
        entries = [_construction(call, params, aliases) for call in built]
        if not entries or unknown or any(entry is None for entry in entries):
            continue
        if len({(entry["kind"], entry["qualified"], entry["per_iteration"]) for entry in entries}) == 1:  # type: ignore[index]
            exports.constructions[name] = entries[0]  # type: ignore[assignment]


def _construction(call: cst.Call, params: list[str], aliases: Mapping[str, str]) -> Optional[dict[str, Any]]:
    qualified = qualified_name(call.func, dict(aliases))
    if qualified is None:
        return None
    if qualified.startswith(optim.SCHEDULER_MODULE):
        known = catalogue.scheduler(qualified.rsplit(".", 1)[-1])
        per_iteration = False
        for position, keyword in known.period if known is not None else ():
            period = argument(call, position, keyword)
            if period is not None and optim.PER_ITERATION_WORDS.search(source_code(period)):
                per_iteration = True
        return {"kind": "scheduler", "qualified": qualified, "per_iteration": per_iteration,
                "model_param": -1, "model_name": ""}
    if catalogue.optimizer(qualified) is None:
        return None
    model = -1
    given = argument(call, 0, "params")
    for node in descendants(given) if given is not None else ():
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and \
                node.func.attr.value in ("parameters", "named_parameters") and \
                isinstance(node.func.value, cst.Name) and node.func.value.value in params:
            model = params.index(node.func.value.value)
    return {"kind": "optimizer", "qualified": qualified, "per_iteration": False,
            "model_param": model, "model_name": params[model] if model >= 0 else ""}
