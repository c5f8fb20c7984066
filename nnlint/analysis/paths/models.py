"""Model recognition for the path facts: which names hold models, and whether a model has
dropout or batch-norm layers (the layers `.eval()` changes).

A name holds a model when it is bound to a constructor of one of the file's `nn.Module`
classes, a `torch.nn.Sequential`, a torchvision/timm/HF factory or `from_pretrained`, also
through `.to(device)` and `DataParallel(...)`; a call is a model call when its callee is such
a name, a parameter named like a model (`model`, `net`, `*_model`) or `self.<model-like>`
outside a module class. Along the way the walk notes which names own `.parameters()` and
which are switched to float64.
"""

from __future__ import annotations

from typing import Iterator, Mapping, Optional, Sequence

import libcst as cst

from nnlint import catalogue
from nnlint.analysis.facts import FileFacts
from nnlint.analysis.paths.mode_activity import (
    Activity,
    InitSignature,
    combine,
    construction_activity,
    torch_layer_activity,
    unconditional,
)
from nnlint.analysis.program.module_classes import is_module_class, module_bases
from nnlint.analysis.program.imports import elided_name, qualified_name
from nnlint.analysis.paths.facts import EVAL_SWITCH, TRAIN_SWITCH, Scope
from nnlint.analysis.program.syntax import (
    _with_subclasses,
    all_statements,
    dotted_name,
    first_part,
    header_expressions,
    iter_calls,
    last_part,
    source_code,
    statement_bodies,
)
from nnlint.catalogue.ecosystem import (
    EVAL_MODE_CONSTRUCTORS,
    MODULE_LIKE_BASE,
    PRETRAINED_CONSTRUCTOR,
    PRETRAINED_NON_MODULE,
)
from nnlint.catalogue.names import MODEL_ACTION_NAME, MODEL_NAME


_COMPOUND_STATEMENTS = _with_subclasses((cst.BaseCompoundStatement,))


class _WrittenKeywords(Mapping[str, str]):
    """A call's keyword arguments as written, each rendered only when asked for: rendering
    source is costly, and most calls are no layer the catalogue asks about."""

    def __init__(self, call: cst.Call) -> None:
        self._values = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}

    def __getitem__(self, keyword: str) -> str:
        return source_code(self._values[keyword])

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


class _NotAModel:
    pass


_NOT_A_MODEL = _NotAModel()
# Module-level code: no constructor parameters in scope.
_NO_SIGNATURE = InitSignature(None)


class KnownModels:
    """The models of one file: filled by `find`, then asked by the scope walk."""

    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts
        self.aliases = facts.imports
        self.models: dict[str, Optional[cst.Call]] = {}
        self.has_mode_layers: dict[str, Optional[bool]] = {}
        self.parameter_owners: set[str] = set()
        self.double_models: set[str] = set()
        # Names every construction of which leaves the model in evaluation mode.
        self.born_eval: dict[str, bool] = {}
        self.module_classes = set(facts.models)
        self._mode_layers_of_class: dict[str, Activity] = {}
        # `find` and the scope walk ask the same questions of each assigned value (is it a
        # model construction, through which moves): the answers, by id() of the node asked
        # about. Safe for the object's life, one file: libcst nodes are immutable, and each
        # entry keeps its node alive so that its id cannot be reused.
        self._stripped: dict[int, tuple[cst.CSTNode, Optional[cst.Call]]] = {}
        self._constructed: dict[int, tuple[cst.Call, object]] = {}
        self._layer_models: dict[int, tuple[cst.Call, bool]] = {}

    def is_module_class(self, node: cst.ClassDef) -> bool:
        """A class of the file's models, or one deriving from something named like a module."""
        if node.name.value in self.module_classes or is_module_class(
                node, self.aliases, lambda name: None, module_bases(self.facts.external_bases)):
            return True
        for base in node.bases:
            name = qualified_name(base.value, self.aliases) or dotted_name(base.value) or ""
            if MODULE_LIKE_BASE.search(name):
                return True
        return False

    def find(self, body: Sequence[cst.CSTNode]) -> None:
        """Names bound anywhere to a model constructor, and what is known of their layers."""
        pending = [body]
        while pending:
            for statement in pending.pop():
                kind = type(statement)
                if kind is cst.SimpleStatementLine:
                    for small in statement.body:
                        self._model_assignment(small)
                        for call in iter_calls(small):
                            self._note_model_method(call)
                elif kind in _COMPOUND_STATEMENTS:
                    for expression in header_expressions(statement):
                        for call in iter_calls(expression):
                            self._note_model_method(call)
                    pending.extend(statement_bodies(statement))

    def _note_model_method(self, call: cst.Call) -> None:
        if type(call.func) is not cst.Attribute:
            return
        receiver = dotted_name(call.func.value)
        if receiver is None:
            return
        method = call.func.attr.value
        if method in ("parameters", "named_parameters"):
            self.parameter_owners.add(receiver)
        elif method == "double" or (method in ("to", "type") and any(
                (qualified_name(arg.value, self.aliases) or "") in ("torch.float64", "torch.double",
                                                                     "torch.DoubleTensor")
                for arg in call.args)):
            self.double_models.add(receiver)

    def _model_assignment(self, small: cst.BaseSmallStatement) -> None:
        kind = type(small)
        if kind is cst.Assign:
            targets = [target.target for target in small.targets]
            value = small.value
        elif kind is cst.AnnAssign and small.value is not None:
            targets, value = [small.target], small.value
        else:
            return
        binds, known = self.binding_mode_layers(value, targets)
        if not binds:
            return
        call = self._strip_to(value)
        doubled = _converted_to_double(value, call, self.aliases)
        born_eval = self.construction_mode(value) == EVAL_SWITCH
        for target in targets:
            name = dotted_name(target)
            if name is None:
                continue
            self.models[name] = call
            self.born_eval[name] = self.born_eval.get(name, True) and born_eval
            if doubled:
                self.double_models.add(name)
            if name in self.has_mode_layers:
                previous = self.has_mode_layers[name]
                known = True if (previous or known) else (None if previous is None or known is None else False)
            self.has_mode_layers[name] = known

    def binding_mode_layers(self, value: cst.BaseExpression, targets: Sequence[cst.BaseExpression]) -> tuple[bool, Optional[bool]]:
        """(binds a model, its dropout/batch-norm) for one assignment's value, as `find` judges it."""
        binds, known, _, _ = self.judge_construction(value, targets)
        return binds, known

    def judge_construction(self, value: cst.BaseExpression, targets: Sequence[cst.BaseExpression]
                           ) -> tuple[bool, Optional[bool], bool, Optional[cst.Call]]:
        """What the scope walk asks of every assignment of a call, with one look at the value:
        `binding_mode_layers(value, targets)`, then `builds_model(value)`, then the call the
        value builds (`instantiates_class` and `is_pretrained_load` read it)."""
        call = self._strip_to(value)
        if call is None:
            return False, None, False, None
        known = self._model_constructor(call)
        if known is _NOT_A_MODEL:
            if self._library_layer_model(call, targets):
                return True, True, False, call
            return False, None, False, call
        return True, known, True, call

    def _library_layer_model(self, call: cst.Call, targets: Sequence[cst.BaseExpression]) -> bool:
        """`encoder = nn.TransformerEncoder(...)` outside a class: a torch.nn layer used as the
        model itself, with dropout that `.eval()` turns off. Attributes of a module
        (`self.lstm = nn.LSTM(...)`) are its layers, not models of their own."""
        for target in targets:
            # `(dotted_name(target) or "self").split(".")[0] == "self"`, without building the name.
            while type(target) is cst.Attribute:
                target = target.value
            if type(target) is not cst.Name or target.value == "self":
                return False
        entry = self._layer_models.get(id(call))
        if entry is None or entry[0] is not call:
            entry = self._layer_models[id(call)] = (call, catalogue.built_with_mode_layers(
                qualified_name(call.func, self.aliases), _WrittenKeywords(call)))
        return entry[1]

    def _strip_to(self, value: cst.BaseExpression) -> Optional[cst.Call]:
        """`Net().to(device)` -> `Net()`; `nn.DataParallel(Net())` -> `Net()`."""
        if type(value) is not cst.Call:
            return None  # most assigned values: nothing to remember
        entry = self._stripped.get(id(value))
        if entry is None or entry[0] is not value:
            entry = self._stripped[id(value)] = (value, self._stripped_call(value))
        return entry[1]

    def _stripped_call(self, value: cst.BaseExpression) -> Optional[cst.Call]:
        while type(value) is cst.Call:
            func = value.func
            if type(func) is cst.Attribute and func.attr.value in ("to", "cuda", "cpu", "float", "half",
                                                                   "double", "train", "eval") \
                    and type(func.value) is cst.Call:
                value = func.value
                continue
            name = qualified_name(func, self.aliases) or ""
            if name.endswith(("DataParallel", "DistributedDataParallel")) and value.args:
                inner = value.args[0].value
                if type(inner) is cst.Call:
                    value = inner
                    continue
            return value
        return None

    def _model_constructor(self, call: cst.Call):
        """True/False: a model with/without dropout or batch-norm; None: a model, layers
        unknown; _NOT_A_MODEL otherwise."""
        entry = self._constructed.get(id(call))
        if entry is None or entry[0] is not call:
            entry = self._constructed[id(call)] = (call, self._constructor_mode_layers(call))
        return entry[1]

    def _constructor_mode_layers(self, call: cst.Call):
        func = call.func
        if type(func) is cst.Name and func.value in self.module_classes:
            return self._constructed_mode(func.value, call)
        if type(func) is cst.Attribute and func.attr.value == PRETRAINED_CONSTRUCTOR \
                and PRETRAINED_NON_MODULE.search(last_part(dotted_name(func.value) or "")):
            return _NOT_A_MODEL  # a tokenizer, processor, config, scheduler or pipeline
        name = qualified_name(func, self.aliases)
        if name is None:
            if type(func) is cst.Attribute and func.attr.value == PRETRAINED_CONSTRUCTOR:
                return True
            return _NOT_A_MODEL
        if name in self.facts.external_modes:
            return self.facts.external_modes[name]
        if name == "torch.nn.Sequential":
            return self._sequential_has_mode_layers(call)
        if (catalogue.model_factory(name) or {}).get("mode_layers"):
            return True
        if type(func) is cst.Attribute and func.attr.value == PRETRAINED_CONSTRUCTOR:
            return True  # `UNet2DConditionModel.from_pretrained(...)` of any library: a pretrained model
        return _NOT_A_MODEL

    def class_modes(self) -> dict[str, bool]:
        """What other files need to know of this file's model classes."""
        known = {cls: self._class_mode_layers(cls) for cls in sorted(self.module_classes)}
        return {cls: found for cls, found in known.items() if found is not None}

    def _sequential_has_mode_layers(self, call: cst.Call) -> Optional[bool]:
        unknown = False
        for arg in call.args:
            if type(arg.value) is not cst.Call:
                unknown = True
                continue
            inner = arg.value
            if type(inner.func) is cst.Name and inner.func.value in self.module_classes:
                found = self._constructed_mode(inner.func.value, inner)
                if found:
                    return True
                unknown = unknown or found is None
                continue
            name = qualified_name(inner.func, self.aliases) or ""
            if catalogue.changes_with_mode(name):
                activity = torch_layer_activity(name, inner, _NO_SIGNATURE)
                if activity is True:
                    return True
                continue  # `nn.Dropout(0.0)`: the same in both modes
            if not name.startswith("torch.nn."):
                unknown = True
            elif name == "torch.nn.Sequential":
                found = self._sequential_has_mode_layers(inner)
                if found:
                    return True
                unknown = unknown or found is None
        return None if unknown else False

    def _class_mode_layers(self, cls: str) -> Optional[bool]:
        """Whether the class has an active dropout/batch-norm whatever its constructor is
        given: a class whose dropout depends on a parameter defaulting to 0 is unknown here
        (`_constructed_mode` reads the construction)."""
        return unconditional(self._class_activity(cls), self._signature(cls))

    def _constructed_mode(self, cls: str, call: cst.Call) -> Optional[bool]:
        """Whether the model `call` builds (`Block(dim, dropout_rate=0.1)`) has an active
        dropout/batch-norm."""
        activity = self._class_activity(cls)
        if isinstance(activity, frozenset):
            activity = construction_activity(activity, self._signature(cls), call, _NO_SIGNATURE)
        return activity if isinstance(activity, bool) else None

    def _signature(self, cls: str) -> InitSignature:
        model = self.facts.models.get(cls)
        return InitSignature(model.node if model is not None else None)

    def _class_activity(self, cls: str) -> Activity:
        """_class_has_mode_layers from the start of a search, once per class: every
        assignment of a model asks again, and the answer walks the whole class."""
        if cls not in self._mode_layers_of_class:
            self._mode_layers_of_class[cls] = self._class_has_mode_layers(cls, set())
        return self._mode_layers_of_class[cls]

    def _class_has_mode_layers(self, cls: str, seen: set[str]) -> Activity:
        # A class met again (two `LayerNorm2d` attributes) has its answer; `seen` only stops
        # a class that contains itself, which stays unknown.
        if cls in self._mode_layers_of_class:
            return self._mode_layers_of_class[cls]
        model = self.facts.models.get(cls)
        if model is None or cls in seen:
            return None
        seen.add(cls)
        found = self._search_mode_layers(cls, model, seen)
        self._mode_layers_of_class[cls] = found
        return found

    def _search_mode_layers(self, cls: str, model, seen: set[str]) -> Activity:
        # A class deriving from a torch.nn layer (`class Norm(nn.LayerNorm)`) is that layer.
        layer_bases = [qualified_name(base.value, self.aliases) for base in getattr(model.node, "bases", ())]
        layer_bases = [name for name in layer_bases if catalogue.is_nn_class(name) and not catalogue.is_module_base(name)]
        if any(catalogue.changes_with_mode(name) for name in layer_bases):
            return True
        found: list[Activity] = []
        if type(model.node) is not cst.ClassDef:
            for layer in model.layers.values():
                if catalogue.changes_with_mode(layer):
                    return True
                if layer in self.facts.models:
                    found.append(unconditional(self._class_has_mode_layers(layer, seen), self._signature(layer)))
            return combine(found) if model.layers else None
        # Layers built anywhere in the class (inside a Sequential, by a helper method) and
        # functional dropout in forward (`F.dropout(x, training=self.training)`) count, each
        # as active as it is built (`nn.Dropout(dropout_rate)` with `dropout_rate=0.0`).
        signature = InitSignature(model.node)
        built: set[str] = set()
        for statement in all_statements(model.node.body.body):
            # A line's calls are its small statements' calls, which come next.
            if type(statement) is cst.SimpleStatementLine or type(statement) in _COMPOUND_STATEMENTS:
                continue
            for call in iter_calls(statement):
                name = qualified_name(call.func, self.aliases) or ""
                if catalogue.changes_with_mode(name):
                    found.append(torch_layer_activity(name, call, signature))
                elif catalogue.call_changes_with_mode(name) or (catalogue.model_factory(name) or {}).get("mode_layers"):
                    return True
                elif type(call.func) is cst.Name and call.func.value in self.facts.models \
                        and call.func.value != cls:
                    built.add(call.func.value)
                    inner = self._class_has_mode_layers(call.func.value, seen)
                    if isinstance(inner, frozenset):
                        inner = construction_activity(inner, self._signature(call.func.value), call, signature)
                    found.append(inner)
                if found and found[-1] is True:
                    return True
        # Project classes held as layers but built out of view (a factory) stay unknown.
        for layer in model.layers.values():
            if layer in self.facts.models and layer != cls and layer not in built:
                found.append(unconditional(self._class_has_mode_layers(layer, seen), self._signature(layer)))
        if not model.layers and not layer_bases and not found:
            return None
        return combine(found)

    def model_of_call(self, call: cst.Call, scope: Scope) -> Optional[str]:
        """The model a call applies, as written: `model(x)`, `self.net(x)`."""
        name = dotted_name(call.func)
        if name is None or name == "self":
            return None
        # Checked before the name's words (both say None): most calls of a module class's
        # methods are of its own layers.
        if name.startswith("self.") and (scope.in_module_class or (scope.cls is not None and scope.name == "forward")):
            # A submodule follows its parent's mode; so do the models a wrapper's `forward`
            # holds (TRL's GeometricMixtureWrapper, a GenerationMixin): whoever runs the
            # wrapper decides their mode.
            return None
        if MODEL_ACTION_NAME.search(last_part(name)):
            return None  # `accelerator.unwrap_model(m)`, `load_model(path)`: functions, not models
        if name in self.models:
            return name
        if name in scope.params and MODEL_NAME.search(name):
            return name
        if "." in name and MODEL_NAME.search(last_part(name)) and first_part(name) == "self":
            return name
        if "." not in name and MODEL_NAME.search(name) and elided_name(name, self.facts.imports):
            return name  # a pasted loop's `model`, built in the part of the post left out
        return None

    def construction_mode(self, value: cst.BaseExpression) -> Optional[str]:
        """The mode a model construction leaves the model in: EVAL_SWITCH for `Net().eval()`
        and `X.from_pretrained(...)`, TRAIN_SWITCH for `Net().train()`, None for the default
        (training mode, as every freshly built nn.Module starts)."""
        while type(value) is cst.Call and type(value.func) is cst.Attribute:
            method = value.func.attr.value
            if method == "eval" and not value.args:
                return EVAL_SWITCH
            if method == "train":
                flag = value.args[0].value if value.args else None
                if flag is None or (type(flag) is cst.Name and flag.value == "True"):
                    return TRAIN_SWITCH
                if type(flag) is cst.Name and flag.value == "False":
                    return EVAL_SWITCH
                return None
            if method in EVAL_MODE_CONSTRUCTORS:
                return EVAL_SWITCH
            if method not in ("to", "cuda", "cpu", "float", "half", "double", "bfloat16"):
                return None
            value = value.func.value
        if type(value) is cst.Call and value.args:
            name = qualified_name(value.func, self.aliases) or ""
            if name.endswith(("DataParallel", "DistributedDataParallel")):
                return self.construction_mode(value.args[0].value)  # the wrapper keeps the mode
        return None

    def instantiates_class(self, value: cst.BaseExpression) -> bool:
        """`Decoder(dim=64).to(device)`: a call of a CapWords name (a class, by Python's naming
        convention) that loads nothing; whatever it builds starts with fresh weights."""
        return instantiates_class(self._strip_to(value))

    def is_pretrained_load(self, value: cst.BaseExpression) -> bool:
        """`X.from_pretrained(...)` (moved or not): its eval mode counts only for a model."""
        return is_pretrained_load(self._strip_to(value))

    def builds_model(self, value: cst.BaseExpression) -> bool:
        """`value` constructs a model (possibly moved or wrapped)."""
        call = self._strip_to(value)
        return call is not None and self._model_constructor(call) is not _NOT_A_MODEL


def instantiates_class(call: Optional[cst.Call]) -> bool:
    """`KnownModels.instantiates_class` of a value that builds `call` (None: builds nothing)."""
    if call is None:
        return False
    callee = dotted_name(call.func) or ""
    return last_part(callee)[:1].isupper() if callee else False


def is_pretrained_load(call: Optional[cst.Call]) -> bool:
    """`KnownModels.is_pretrained_load` of a value that builds `call` (None: builds nothing)."""
    return call is not None and type(call.func) is cst.Attribute and call.func.attr.value in EVAL_MODE_CONSTRUCTORS


def _converted_to_double(value: cst.BaseExpression, inner: cst.Call, aliases: dict[str, str]) -> bool:
    """`Net().double()`, `Net().to(torch.float64)`: the chain from `inner` out to `value`."""
    while type(value) is cst.Call and value is not inner and type(value.func) is cst.Attribute:
        method = value.func.attr.value
        if method == "double" or (method in ("to", "type") and any(
                (qualified_name(arg.value, aliases) or "") in ("torch.float64", "torch.double") for arg in value.args)):
            return True
        value = value.func.value
    return False



def class_modes(facts: FileFacts) -> dict[str, bool]:
    """Which of the file's model classes have dropout or batch-norm (what importing files'
    evaluation paths need), without the path facts' walk."""
    return KnownModels(facts).class_modes()
