"""What torch calls evaluate to: library functions, module construction and
application, and tensor and module methods. Records losses, normalizers and one-unit
softmaxes on the way.

`TorchCalls` is a mixin of `Interpreter`: it shares its state and calls back into it to
evaluate what a container module or a named submodule calls.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from nnlint import catalogue
from nnlint.analysis.program import numerics
from nnlint.analysis.program.call_arguments import (
    argument_values,
    first_argument_node,
    first_argument_values,
    literal_dim,
    passes_argument,
)
from nnlint.analysis.facts import AFFINE, LOG_SOFTMAX, RELU, SOFTMAX, LossCall, NormalizerSite, Output
from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.program.syntax import argument, descendants, dotted_name
from nnlint.analysis.program.values import (
    Constant,
    DictValue,
    ModuleValue,
    SequenceValue,
    ValueSet,
    join,
    outputs_of,
    single_int,
    through_model,
)
from nnlint.catalogue import functions as api
from nnlint.catalogue.ranges import GAUSSIAN, NOT_LOGITS, ONES, UNIT_NORM
from nnlint.catalogue.layers import DICT, DROPOUT, IDENTITY, LIST, LOSS, OTHER, SEQUENTIAL, WEIGHT, Layer


class TorchCalls:
    def _module_method(self, module: ModuleValue, node: cst.Call, method: str, args) -> ValueSet:
        if method in ("forward", "__call__"):
            return self._apply_module(module, node, args)
        if method in module.named:
            return join(*(self._call_value(callee, node, args) for callee in module.named[method]))
        if method in api.SELF_RETURNING_METHODS:
            return (module,)
        if method == "add_module" and len(args) >= 2:
            module.layers.append(args[1][1])
            self._add_named(module.named, args)
        elif method in ("append", "insert") and args:
            module.layers.append(args[-1][1])
        elif method == "extend" and args:
            module.layers.extend(_sequence_items(args[0][1]))
        return ()

    @staticmethod
    def _add_named(table: dict[str, ValueSet], args) -> None:
        names = args[0][1]
        if len(names) == 1 and isinstance(names[0], Constant) and isinstance(names[0].value, str):
            table[names[0].value] = args[1][1]

    def _tensor_method(self, tensor: Optional[Output], node: cst.Call, method: str, args) -> ValueSet:
        """`tensor.method(...)`; `tensor` is None when nothing is known of the receiver."""
        op = api.RANGE_METHODS.get(method)
        if op is not None:
            width = (tensor.width, tensor.width_axis) if tensor is not None else (None, -1)
            return (self._activation(op, node, width, literal_dim(node, 0), (tensor,) if tensor else ()),)
        receiver = node.func.value if type(node.func) is cst.Attribute else node
        known: ValueSet = (tensor,) if tensor is not None else ()
        if method in api.LOG_METHODS:
            self._record_numeric("log", node, receiver, known, f".{method}()")
        elif method in api.SQRT_METHODS:
            self._record_numeric("sqrt", node, receiver, known, f".{method}()")
        selection = method in ("sum", "nansum") and self._selects_by_value(receiver)
        zero_tracking = numerics.tensor_method(method, tensor, node, argument_values(args, 0, "exponent"), selection)
        if zero_tracking is not None:
            return (zero_tracking,)
        if tensor is None:
            return ()
        if method in api.PASS_THROUGH_METHODS:
            return (tensor,)
        if method in api.RESHAPING_METHODS:
            return (tensor.reshaped(),)
        if method in api.NON_NEGATIVITY_KEEPING_METHODS and tensor.op == RELU:
            return (tensor.reshaped(),)
        if method == "log" and tensor.op == SOFTMAX:
            return (Output(LOG_SOFTMAX, node, tensor.width, tensor.model, tensor.width_axis),)
        if method == "exp" and tensor.op == LOG_SOFTMAX:
            return (Output(SOFTMAX, node, tensor.width, tensor.model, tensor.width_axis),)
        return ()

    def _call_library(self, name: str, node: cst.Call, args) -> ValueSet:
        if name in _ORDERED_DICTS:
            return _dict_from_pairs(first_argument_values(args))
        loss = catalogue.LOSS_FUNCTIONS.get(name)
        if loss is not None:
            self._record_loss(loss, _spelled(node), node, args)
            return numerics.loss_value(loss, node)
        if name in api.ONES_FACTORIES:
            return (Output(ONES, node),)
        if name in api.GAUSSIAN_FACTORIES:
            return (Output(GAUSSIAN, node),)
        if name in api.UNIT_NORM_OUTPUTS:
            # `eigenvalues, eigenvectors = torch.linalg.eigh(A)`: which outputs have unit-norm columns.
            return (SequenceValue(tuple((Output(UNIT_NORM, node),) if unit else ()
                                        for unit in api.UNIT_NORM_OUTPUTS[name])),)
        if name in api.NORMALIZER_FUNCTIONS:
            op, dim_position = api.NORMALIZER_FUNCTIONS[name]
            self.normalizers.append(NormalizerSite(op, node, _spelled(node), passes_argument(node, dim_position, "dim")))
        if name in api.RANGE_FUNCTIONS:
            op = api.RANGE_FUNCTIONS[name]
            first = first_argument_values(args)
            return (self._activation(op, node, _common_width(first), literal_dim(node, 1), first),)
        if name in api.PASS_THROUGH_FUNCTIONS:
            return outputs_of(first_argument_values(args))
        if name in api.RESHAPING_FUNCTIONS:
            return tuple(output.reshaped() for output in outputs_of(first_argument_values(args)))
        if name in api.JOINING_FUNCTIONS:
            return outputs_of(self._iterate(first_argument_values(args)))
        if name in api.SELECTING_FUNCTIONS:
            return _selected(node, args, api.SELECTING_FUNCTIONS[name], self.aliases)
        first = first_argument_values(args)
        autograd = not name.startswith(api.NO_AUTOGRAD_LIBRARIES)
        if name in api.LOG_FUNCTIONS:
            self._record_numeric("log", node, first_argument_node(node), first, _spelled(node), autograd)
        elif name in api.SQRT_FUNCTIONS:
            self._record_numeric("sqrt", node, first_argument_node(node), first, _spelled(node), autograd)
        elif name in ("torch.div", "torch.true_divide") and len(node.args) > 1:
            self._record_numeric("division", node, node.args[1].value, argument_values(args, 1, "other"), _spelled(node))
        zero_tracking = numerics.library_call(name, node, first, argument_values(args, 1, "exponent"))
        if zero_tracking is not None:
            return (zero_tracking,)
        if name in ("torch.log", "torch.exp"):
            results = []
            for tensor in outputs_of(first):
                if tensor.op in (SOFTMAX, LOG_SOFTMAX):
                    results.append(self._tensor_method(tensor, node, name.split(".")[1], args))
            return join(*results)
        if catalogue.is_nn_class(name):
            return (self._construct_module(name, node, args),)
        if catalogue.optimizer(name) is not None and type(argument(node, 1, "lr")) not in (cst.Integer, cst.Float) \
                and (self._function is None or self._function.called):
            # Code no one in the file calls (`configure_optimizers`, called by a framework) may
            # see other values than the defaults the interpreter assumed: not a sure rate.
            # A literal rate is read from the syntax; this is for `lr=config["lr"]`, `lr=lr`.
            lr = argument_values(args, 1, "lr")
            number = lr[0].value if len(lr) == 1 and isinstance(lr[0], Constant) else None
            known = float(number) if isinstance(number, (int, float)) and not isinstance(number, bool) else None
            # Run again in the round with other values (a second call site of the function):
            # the rate is only sure when every run saw the same one.
            if node in self.optimizer_lrs and self.optimizer_lrs[node] != known:
                known = None
            self.optimizer_lrs[node] = known
        return self._call_imported(name, node, args)

    def _construct_module(self, name: str, node: cst.Call, args) -> ModuleValue:
        module = self._module_values.get(id(node))
        if module is None:
            module = ModuleValue(name, node, built_in=self._function)
            self._module_values[id(node)] = module
        module.layers = []
        module.named = {}
        layer = catalogue.nn_layer(name)
        if layer is not None and layer.width is not None:
            position, keyword = layer.width
            module.width = single_int(argument_values(args, position, keyword))
        if name in api.NORMALIZER_MODULES:
            op, dim_position = api.NORMALIZER_MODULES[name]
            spelled = (dotted_name(node.func) or "") + "()"
            self.normalizers.append(NormalizerSite(op, node, spelled, passes_argument(node, dim_position, "dim")))
        container = layer.container if layer is not None else None
        if container in (SEQUENTIAL, LIST):
            for keyword, values, starred in args:
                if keyword is not None:
                    continue
                if starred:
                    module.layers.extend(_sequence_items(values))
                elif container == LIST or _ordered_dict_items(values) is None:
                    module.layers.extend(_sequence_items(values) if container == LIST else [values])
                else:
                    for key, layer in _ordered_dict_items(values) or []:
                        module.layers.append(layer)
                        module.named[key] = layer
        elif container == DICT and args:
            for value in args[0][1]:
                if isinstance(value, DictValue):
                    module.named.update(dict(value.items))
        return module

    def _apply_module(self, module: ModuleValue, node: cst.Call, args) -> ValueSet:
        name = module.qualname
        known = catalogue.nn_layer(name) or _NO_LAYER
        if known.kind == LOSS:
            self._record_loss(known.name, module.short_name, node, args)
            return numerics.loss_value(known.name, node)
        if known.output is not None:
            dim = literal_dim(module.node, 0)
            width = _common_width(first_argument_values(args))
            return (self._activation(known.output, module.node, width, dim, first_argument_values(args)),)
        if known.kind == WEIGHT:
            return (Output(AFFINE, module.node, module.width, width_axis=known.width_axis),)
        if known.kind in (DROPOUT, IDENTITY):
            return outputs_of(first_argument_values(args))
        if known.keeps_range:
            return tuple(output.reshaped() for output in outputs_of(first_argument_values(args)))
        if name == "torch.nn.Sequential":
            if id(module) in self._applying:
                # One constructor call stands for every object it builds, so a Sequential
                # built in a loop around the previous one can appear to contain itself.
                return ()
            self._applying.add(id(module))
            values = first_argument_values(args)
            try:
                for layer in module.layers:
                    # An unknown layer makes its output unknown, but a later activation
                    # layer still sets the range of what comes out.
                    values = join(*(self._call_value(callee, node, [(None, values, False)]) for callee in layer))
            finally:
                self._applying.discard(id(module))
            return tuple(through_model(value, "Sequential") for value in values)
        return ()

    def _activation(self, op: str, node: cst.CSTNode, width: tuple[Optional[int], int], dim: object,
                    inputs: ValueSet = ()) -> Output:
        size, axis = width
        output = Output(op, node, size, width_axis=axis, scores=_bounded_scores(op, inputs),
                        undecided_branch=self._undecided_branches > 0)
        # Only the axis the width counts: a softmax over the spatial positions of a
        # one-channel attention map is fine; over its single channel it is constant.
        over_width = dim == axis or (axis == -1 and dim is None)
        if op in (SOFTMAX, LOG_SOFTMAX) and size == 1 and over_width:
            self.one_unit_softmaxes.append(output)
        return output

    def _record_loss(self, loss: str, spelled: str, node: cst.Call, args) -> None:
        inputs = outputs_of(argument_values(args, 0, "input"))
        targets = outputs_of(argument_values(args, 1, "target"))
        self.loss_calls.append(LossCall(loss, spelled, node, inputs, targets))
        if self._function is not None:
            self.loss_scopes[id(node)] = self._function


def _spelled(node: cst.Call) -> str:
    """How the callee is written (`F.cross_entropy`), for the sites recorded: asked only when
    a call is recorded, not for every library call."""
    return dotted_name(node.func) or ""


def _selected(node: cst.Call, args, candidates, aliases: dict[str, str]) -> ValueSet:
    """`torch.where(cond, a, b)`: the ranges of both candidates when both are known, or of one
    when the other is a constant (`torch.ones_like(p)`, `1.0`): the result holds those values.
    A condition that tests a candidate itself (`torch.where(n > 0, n, 1)`) is a guard, and
    nothing is claimed of what it lets through."""
    nodes = [_argument_node(node, position, keyword) for position, keyword in candidates]
    condition = _argument_node(node, 0, "condition")
    if condition is None or any(candidate is None for candidate in nodes):
        return ()
    for candidate in nodes:
        if any(numerics.same_code(part, candidate) for part in descendants(condition)):
            return ()
    found: list[ValueSet] = []
    for (position, keyword), candidate in zip(candidates, nodes):
        outputs = outputs_of(argument_values(args, position, keyword))
        if outputs:
            found.append(tuple(output.derived_at() for output in outputs))
        elif not _is_constant(candidate, aliases):
            return ()
    return join(*found)


def _argument_node(node: cst.Call, position: int, keyword: str) -> Optional[cst.BaseExpression]:
    positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
    named = next((arg.value for arg in node.args if arg.keyword is not None and arg.keyword.value == keyword), None)
    return named if named is not None else positional[position] if len(positional) > position else None


def _is_constant(node: cst.BaseExpression, aliases: dict[str, str]) -> bool:
    """A number, or a tensor of one value (`torch.ones_like(p)`, `torch.zeros(n)`)."""
    if type(node) is cst.UnaryOperation:
        node = node.expression
    if type(node) in (cst.Integer, cst.Float):
        return True
    return type(node) is cst.Call and qualified_name(node.func, aliases) in api.CONSTANT_FACTORIES


def _bounded_scores(op: str, inputs: ValueSet) -> Optional[Output]:
    """What a softmax normalises, when every known input agrees on a range that logits cannot
    have (`F.log_softmax(F.relu(x))`) and none was made in an undecided branch (a ReLU skipped
    on the last layer of a loop leaves the other way's raw scores, unknown, out of `inputs`)."""
    if op not in (SOFTMAX, LOG_SOFTMAX):
        return None
    known = outputs_of(inputs)
    if known and all(output.op in NOT_LOGITS and not output.undecided_branch for output in known) \
            and len({output.op for output in known}) == 1:
        return known[0]
    return None


def _common_width(values: ValueSet) -> tuple[Optional[int], int]:
    """The (width, axis) all the tensors in `values` share, or (None, -1)."""
    widths = {(output.width, output.width_axis) for output in outputs_of(values)}
    return widths.pop() if len(widths) == 1 else (None, -1)


def _sequence_items(values: ValueSet) -> list[ValueSet]:
    """The layers a starred or listed argument holds; one unknown layer when nothing is known
    of it (`nn.Sequential(*layers)` after `layers += [...]`), never none: a Sequential of
    unknown layers is not the identity."""
    if not values:
        return [()]
    items: list[ValueSet] = []
    for value in values:
        if isinstance(value, SequenceValue) and not value.homogeneous:
            items.extend(value.items)
        else:
            return [()]
    return items


# Stands in for a module class the catalogue does not know: no range, no width.
_NO_LAYER = Layer("", OTHER)
_ORDERED_DICTS = frozenset({"collections.OrderedDict", "typing.OrderedDict"})


def _dict_from_pairs(values: ValueSet) -> ValueSet:
    """`OrderedDict([("fc", layer), ...])` (or of a dict literal) as a dict value: how named
    `nn.Sequential`s are written."""
    for value in values:
        if isinstance(value, DictValue):
            return (value,)
        if isinstance(value, SequenceValue) and not value.homogeneous:
            items = []
            for pair in value.items:
                pairs = [p for p in pair if isinstance(p, SequenceValue) and len(p.items) == 2]
                if len(pairs) != 1:
                    return ()
                key, layer = pairs[0].items
                if len(key) != 1 or not isinstance(key[0], Constant) or not isinstance(key[0].value, str):
                    return ()
                items.append((key[0].value, layer))
            return (DictValue(tuple(items)),)
    return ()


def _ordered_dict_items(values: ValueSet) -> Optional[list[tuple[str, ValueSet]]]:
    """`OrderedDict([("fc", nn.Linear(...)), ...])` as evaluated: a list of (name, layer)."""
    for value in values:
        if isinstance(value, DictValue):
            return list(value.items)
    return None

