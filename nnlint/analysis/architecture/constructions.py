"""Reading layer constructions: `nn.Sequential(...)`, layer lists, `OrderedDict`, `add_module`.

Part of the builder in `nnlint.analysis.architecture.build`. A call either constructs a layer
(a torch module, a local model class, a capitalised class from another package), builds a
container of layers, or, given a tensor in `forward`, applies something to it.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from nnlint.analysis.program.imports import qualified_name
from nnlint import catalogue
from nnlint.analysis.architecture.kinds import (NORM, OTHER, UNKNOWN, WEIGHT, LayerStep, guess_foreign_kind, may_reset,
                                        module_kind)
from nnlint.analysis.architecture.values import (UNKNOWN_VALUE, Chain, ClassInfo, Func, Layer, ListValue, Lit,
                                                 Seq, SelfValue, Value, tensor_arguments)
from nnlint.analysis.program.syntax import dotted_name, last_part
from nnlint.catalogue.layers import SEQUENTIAL as SEQUENTIAL_CONTAINER

SEQUENTIAL = "torch.nn.Sequential"
_ORDERED_DICT = frozenset({"collections.OrderedDict", "typing.OrderedDict", "OrderedDict"})
# Initialisations that let plain networks of twenty-odd layers train (He et al., 2015).
_CAREFUL_INITS = frozenset({"kaiming_normal", "kaiming_uniform", "orthogonal"})


class ConstructionReader:
    """Call evaluation for `ArchitectureBuilder`, whose state (`aliases`, `classes`,
    `functions`, `sequentials`, `repeating`, `he_initialized`) and other parts (`_args`,
    `_eval`, `_call_function`, `_apply_module`, `_step`, `_tensor_function`,
    `_tensor_method`) it relies on."""

    def _eval_call(self, node: cst.Call, env: dict) -> Value:
        # Exact-class tests rather than isinstance, as in `_eval` (no subclasses here).
        func = node.func
        func_kind = type(func)
        callee: Value = UNKNOWN_VALUE
        name: Optional[str] = None
        if func_kind is cst.Attribute:
            method = func.attr.value
            if type(func.value) is cst.Call and type(func.value.func) is cst.Name \
                    and func.value.func.value == "super":
                args, _, _ = self._args(node, env)
                owner = env.get("self")
                if method == "__init__" and type(owner) is SelfValue and owner.cls.items is not None:
                    owner.cls.items.extend(args)
                    self.effects += 1
                return UNKNOWN_VALUE
            receiver = self._operand(func.value, env)
            receiver_kind = type(receiver)
            if receiver_kind is ListValue:
                args, _, _ = self._args(node, env)
                # Not one of `effects`: a call that may be remembered reaches no list it did
                # not make (its arguments are scalars; module lists are counted when read).
                if method == "append" and len(args) == 1:
                    receiver.items.append(args[0])
                elif method == "extend" and len(args) == 1:
                    self._extend(receiver, args[0])
                else:
                    receiver.exact = False
                return UNKNOWN_VALUE
            if receiver_kind is SelfValue:
                if method in ("add_module", "register_module"):
                    args, _, _ = self._args(node, env)
                    self.effects += 1
                    if len(args) == 2:
                        if isinstance(args[0], Lit) and isinstance(args[0].value, str):
                            receiver.cls.attrs[args[0].value] = args[1]
                        if receiver.cls.items is not None:
                            receiver.cls.items.append(args[1])
                    return UNKNOWN_VALUE
                if method in receiver.cls.attrs:
                    callee = receiver.cls.attrs[method]
                elif method in receiver.cls.methods:
                    callee = Func(receiver.cls.methods[method], receiver)
            elif receiver_kind is Seq and method in ("add_module", "append"):
                args, _, _ = self._args(node, env)
                self.effects += 1
                if args:
                    receiver.items.append(args[-1])
                return UNKNOWN_VALUE
            elif receiver_kind is Chain:
                return self._tensor_method(receiver, method, node, env)
            else:
                name = qualified_name(func, self.aliases)
        elif func_kind is cst.Name:
            ident = func.value
            if ident in env:
                callee = env[ident]
            elif ident in self.aliases:
                name = self.aliases[ident]
            elif ident in self.classes:
                return self._local_instance(self.classes[ident], node, env)
            elif ident in self.functions:
                callee = Func(self.functions[ident])
            else:
                name = ident
        else:
            callee = self._eval(func, env)
        if name is not None:
            return self._library_call(name, node, env)
        callee_kind = type(callee)
        if callee_kind is Func:
            args, keywords, _ = self._args(node, env)
            result = self._call_function(callee.node, args, keywords, bound_self=callee.bound_self)
            chains = tensor_arguments(args) if self.forward_phase else ()
            if chains and type(result) is not Chain:
                return self._step(chains[0], LayerStep(UNKNOWN, node, callee.node.name.value, 0))
            return result
        args, keywords, _ = self._args(node, env)
        chains = tensor_arguments(args, keywords) if self.forward_phase else ()
        if (callee_kind is Layer or callee_kind is Seq) and chains:
            return self._apply_module(callee, chains, node)
        if chains:
            for other in chains[1:]:
                other.uses += 1
            return self._step(chains[0], LayerStep(UNKNOWN, node, dotted_name(func) or "call", 0))
        return UNKNOWN_VALUE

    def _extend(self, target: ListValue, added: Value) -> None:
        if isinstance(added, ListValue):
            target.items.extend(added.items)
            target.exact = target.exact and added.exact
        elif isinstance(added, (Layer, Seq)):
            target.items.append(added)
        else:
            target.items.append(UNKNOWN_VALUE)
            target.exact = False

    def _local_instance(self, info: ClassInfo, node: cst.Call, env: dict) -> Value:
        args, _, _ = self._args(node, env)
        chains = tensor_arguments(args) if self.forward_phase else ()
        inherited = self._inherited_kind(info)
        if inherited is not None:
            # `class SamLayerNorm(nn.LayerNorm)` is a LayerNorm whatever its forward does
            # with the data format: its kind is its torch base class's.
            kind, linear = inherited
            layer = Layer(self._constructed(kind, node, info.name, linear=linear))
        else:
            layer = Layer(self._constructed(UNKNOWN, node, info.name, resets=may_reset(info.name)),
                          local_class=info.name)
        if chains:  # `Block(dim)(x)` is rare; treat a chain argument as an application
            return self._apply_module(layer, chains, node)
        return layer

    def _library_call(self, name: str, node: cst.Call, env: dict) -> Value:
        args, keywords, exact = self._args(node, env)
        short = last_part(name)
        if name.startswith("torch.nn.init.") and short.rstrip("_") in _CAREFUL_INITS \
                and not self.he_initialized:
            self.he_initialized = True
            self.effects += 1
        if name == SEQUENTIAL:
            if len(args) == 1 and isinstance(args[0], ListValue) and args[0].ordered_dict:
                seq = Seq(node, list(args[0].items), exact)
            else:
                seq = Seq(node, list(args), exact)
            self.sequentials.append(seq)
            self.effects += 1
            return seq
        if name in _ORDERED_DICT or short == "OrderedDict":
            return _ordered_dict(args[0] if args else None)
        if name in _BUILTINS:
            builtin = _builtin_value(name, args)
            if builtin is not None:
                return builtin
        chains = tensor_arguments(args, keywords) if self.forward_phase else ()
        if chains:
            return self._tensor_function(name, chains, node)
        if not name.startswith("torch."):
            if short[:1].isupper():
                return self._foreign_layer(short, node)
            return UNKNOWN_VALUE
        known = catalogue.nn_layer(name)
        if known is not None and known.container is not None and known.container != SEQUENTIAL_CONTAINER:
            return UNKNOWN_VALUE  # ModuleList/Dict, ParameterList/Dict: a holder, not a step
        if name == "torch.nn.utils.weight_norm" or name == "torch.nn.utils.spectral_norm" \
                or name.startswith("torch.nn.utils.parametrizations."):
            return args[0] if args and isinstance(args[0], Layer) else UNKNOWN_VALUE
        return self._torch_layer(name, node)

    def _torch_layer(self, name: str, node: cst.Call) -> Value:
        kind = module_kind(name)
        if kind is None:
            return UNKNOWN_VALUE
        return Layer(self._constructed(kind[0], node, last_part(name), linear=kind[1]))

    def _foreign_layer(self, short: str, node: cst.Call) -> Value:
        """A capitalised call from another package: probably a module; guess what it holds."""
        kind, linear, resets = guess_foreign_kind(short)
        return Layer(self._constructed(kind, node, short, linear=linear, resets=resets))

    def _inherited_kind(self, info: ClassInfo) -> Optional[tuple[str, bool]]:
        """The kind of a local class derived from a torch layer other than Module/Sequential."""
        for base in info.node.bases:
            name = qualified_name(base.value, self.aliases)
            known = module_kind(name) if name else None
            if known is not None and known[0] == WEIGHT and _writes_own_weight(info):
                # `class MeanShift(nn.Conv2d)` whose constructor sets `self.weight.data`: a
                # fixed affine normalization of the data (EDSR/RCAN's mean shift), not a
                # learned layer that an activation should follow.
                return NORM, True
            if known is not None and known[0] not in (OTHER, UNKNOWN):
                return known
        return None

    def _constructed(self, kind: str, node: cst.Call, name: str, linear: bool = False,
                     resets: bool = False) -> LayerStep:
        """The step of a layer built by `node`; its container is set where it is used."""
        return LayerStep(kind, node, name, 0, linear=linear, resets=resets, repeated=self.repeating,
                         construction=node)


def _ordered_dict(source: Optional[Value]) -> ListValue:
    """`OrderedDict([(name, layer), ...])`: the layers, in order."""
    pairs: list = []
    ok = True
    if isinstance(source, ListValue):
        for item in source.items:
            if isinstance(item, ListValue) and len(item.items) == 2:
                pairs.append(item.items[1])
            else:
                ok = False
    elif source is not None:
        ok = False
    return ListValue(pairs, ok and (source is None or source.exact), ordered_dict=True)  # type: ignore[union-attr]


# The names `_builtin_value` knows.
_BUILTINS = frozenset({"range", "builtins.range", "len", "builtins.len", "list", "tuple", "int", "float"})


def _builtin_value(name: str, args: list) -> Optional[Value]:
    """The value of `range`, `len`, `list`, `tuple`, `int`, `float` on what the evaluator
    knows (layer configurations are often built with them); None for any other call."""
    if name in ("range", "builtins.range"):
        numbers = [a.value for a in args if isinstance(a, Lit)]
        if len(numbers) == len(args) and all(isinstance(n, int) for n in numbers) and 1 <= len(numbers) <= 3:
            return Lit(range(*numbers))  # type: ignore[misc]
        return UNKNOWN_VALUE
    if name in ("len", "builtins.len") and len(args) == 1:
        if isinstance(args[0], Lit) and isinstance(args[0].value, (list, tuple, str, dict)):
            return Lit(len(args[0].value))
        if isinstance(args[0], ListValue) and args[0].exact:
            return Lit(len(args[0].items))
        return UNKNOWN_VALUE
    if name in ("list", "tuple") and len(args) == 1 and isinstance(args[0], (ListValue, Lit)):
        if isinstance(args[0], ListValue):
            return args[0]
        return Lit(list(args[0].value)) if isinstance(args[0].value, (list, tuple, range)) else UNKNOWN_VALUE
    if name in ("int", "float") and len(args) == 1 and isinstance(args[0], Lit):
        try:
            return Lit(int(args[0].value) if name == "int" else float(args[0].value))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return UNKNOWN_VALUE
    return None


def _writes_own_weight(info: ClassInfo) -> bool:
    """The class's `__init__` assigns `self.weight` or `self.weight.data` (a fixed weight)."""
    constructor = info.methods.get("__init__")
    if constructor is None:
        return False
    for statement in constructor.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not isinstance(small, cst.Assign):
                continue
            for target in small.targets:
                node = target.target
                if isinstance(node, cst.Attribute) and node.attr.value == "data":
                    node = node.value
                if isinstance(node, cst.Attribute) and node.attr.value == "weight" \
                        and isinstance(node.value, cst.Name) and node.value.value == "self":
                    return True
    return False
