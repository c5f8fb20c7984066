"""What one file offers the files that import it: its summary, plain data the cache stores.

- For every `nn.Module` class (and every class whose base is another project file's, which
  the join may find to be a Module): what its `forward` returns, reduced to the final operations
  (softmax, sigmoid, affine, ...) inside the tuples and dicts it returns (`models`); its
  bases as the file spells them, the layers it holds, what each other method returns and
  which of its own methods `forward` returns the result of (`classes`: so that a subclass in
  another file that overrides `classify` is dispatched to); whether it has dropout or
  batch-norm (`modes`).
- For every top-level function that returns a model: which class (`factories`); one that
  returns an optimizer or a scheduler: which (`constructions`).
- Loss wrappers (`losses`): a module class whose `forward`, or a function, hands one of its
  parameters to a torch loss as its input (`F.cross_entropy(logits, target)`).
- The training-side transform pipelines (`pipelines`) and whether the file trains a model.
- The file's imports, so that a package's `__init__.py` re-exporting `from .net import Net`
  can be followed.

Every operation and pipeline carries its position (`pos`: line, column, end line, end
column, 1-based columns) once `place` has run, so that a finding reported in another file
names it without this file being parsed again; until then an operation is identified by its
index in `flatten_outputs` order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional

from nnlint.analysis.facts import IMPORTED, Output
from nnlint.analysis.program.values import DictValue, ImportedInstance, Instance, SequenceValue, Value, ValueSet

# Returns nested deeper than this (a dict of tuples of dicts...) are not followed.
_MAX_DEPTH = 3
# Library modules whose names never resolve to a project file.
LIBRARY_ROOTS = frozenset({
    "torch", "torchvision", "torchaudio", "torchtext", "numpy", "math", "typing", "collections",
    "functools", "itertools", "os", "sys", "re", "json", "einops", "timm", "transformers",
    "lightning", "pytorch_lightning", "sklearn", "scipy", "pandas", "dataclasses", "abc",
})

# How a file asks the join about its own class whose `forward` is inherited from another
# file: `__this_file__.Net` (no module of that name can be imported).
THIS_FILE = "__this_file__"

# A returned value: a list of alternatives, each one of
#   {"op", "width", "axis", "index"}   a tensor and its final operation
#   {"via": qualified name}            the output of an imported model, resolved by the join
#   {"dict": [[key, returned], ...]}   {"seq": [returned, ...]}
Returned = list[dict[str, Any]]
# What the project join hands a file beside its imported models' returns and modes, as plain
# data (part of the joined cache key):
#   {"losses": {qualified name: {"loss", "input", "target", "origin": [path, name]}},
#    "pipelines": [training pipeline + {"path"}, ...],
#    "bases": {qualified name of a base class defined in another file: {"module", "closed",
#              "torch_layers", "opaque", "forward", "reads", "introspects"}}   (ProjectResolver.bases),
#    "constructions": {qualified name of a factory function: ModuleExports.constructions entry},
#    "init_functions": {qualified name: ModuleExports.init_functions entry + {"path"}}}
Joined = dict[str, Any]


@dataclass
class ModuleExports:
    models: dict[str, Returned] = field(default_factory=dict)
    # factory function -> the models it returns: {"local": class name} or {"via": qualified name}
    factories: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)
    # Whether each model class has dropout or batch-norm (what `.eval()` changes), when known.
    modes: dict[str, bool] = field(default_factory=dict)
    # module class (or class with a base in another project file, "module" False until the
    # join decides) -> {"bases": [name as imported or local], "module": bool, "closed": bool,
    #                  "layers": {attribute: torch class}, "torch_layers": {attribute:
    #                  qualified torch.nn class}, "methods": {method: Returned} (forward
    #                  excluded: it is `models`), "dispatch": [own methods whose result
    #                  forward returns], "forward": bool, "reads": [attribute names and
    #                  strings], "introspects": bool}
    classes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # loss wrapper -> {"loss": torch loss class, "kind": "module" or "function", "input" and
    #                  "target": index of the parameter (-1: none), "input_name", "target_name"}
    losses: dict[str, dict[str, Any]] = field(default_factory=dict)
    # training pipelines: {"name", "normalizes", "fully_known", "to_tensor", "pos" (of the
    # first Normalize, else of the Compose)}; `trains`: the file has a training path
    pipelines: list[dict[str, Any]] = field(default_factory=list)
    trains: bool = False
    # top-level function -> the optimizer or scheduler it returns, one class on every return:
    # {"kind": "optimizer" or "scheduler", "qualified": torch class, "per_iteration": its
    # period counts iterations, "model_param"/"model_name": the parameter whose
    # `.parameters()` the optimizer gets (-1/"": none)}
    constructions: dict[str, dict[str, Any]] = field(default_factory=dict)
    # top-level function setting every layer of a type to a constant, applied to no model of
    # this file: {"types", "layer", "value", "target", "pos"} (an importer's model.apply(it))
    init_functions: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The nodes of each model's (and "Class.method"'s) operations, by index, and of each
    # pipeline: only in the process that analysed the file, for `place`; never serialized.
    nodes: dict[str, list[Any]] = field(default_factory=dict, compare=False, repr=False)
    pipeline_nodes: list[Any] = field(default_factory=list, compare=False, repr=False)
    init_nodes: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"models": self.models, "factories": self.factories, "imports": self.imports, "modes": self.modes,
                "classes": self.classes, "losses": self.losses, "pipelines": self.pipelines, "trains": self.trains,
                "constructions": self.constructions, "init_functions": self.init_functions}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ModuleExports":
        return cls(dict(data["models"]), dict(data["factories"]), dict(data["imports"]), dict(data["modes"]),
                   dict(data["classes"]), dict(data["losses"]), list(data["pipelines"]), bool(data["trains"]),
                   dict(data.get("constructions", {})), dict(data.get("init_functions", {})))

    def is_empty(self) -> bool:
        return not (self.models or self.factories or self.modes or self.classes or self.losses or self.pipelines
                    or self.constructions or self.init_functions)

    def place(self, span: Callable[[Any], tuple[Any, Any]]) -> None:
        """Give every operation and pipeline its position (`span` maps a node to its start and
        end `Position`), once per file, in the process that parsed it."""
        def position(node: Any) -> list[int]:
            start, end = span(node)
            return [start.line, start.column, end.line, end.column]

        for key, nodes in self.nodes.items():
            model, _, method = key.partition(".")
            if method:
                returned = self.classes.get(model, {}).get("methods", {}).get(method)
            else:
                returned = self.models.get(model)
            for item in _operations(returned or []):
                if item["index"] < len(nodes):
                    item["pos"] = position(nodes[item["index"]])
        for pipeline, node in zip(self.pipelines, self.pipeline_nodes):
            pipeline["pos"] = position(node)
        for name, node in self.init_nodes.items():
            if name in self.init_functions:
                self.init_functions[name]["pos"] = position(node)


def _operations(returned: Returned, depth: int = 0) -> Iterator[dict[str, Any]]:
    for item in returned:
        if "op" in item:
            yield item
        elif depth < _MAX_DEPTH and "dict" in item:
            for _, items in item["dict"]:
                yield from _operations(items, depth + 1)
        elif depth < _MAX_DEPTH and "seq" in item:
            for items in item["seq"]:
                yield from _operations(items, depth + 1)


def flatten_outputs(values: ValueSet, depth: int = 0) -> list[Output]:
    """The known operations in `values`, in the order `encode_returns` numbers them."""
    found: list[Output] = []
    for value in values:
        if isinstance(value, Output):
            if value.op != IMPORTED:
                found.append(value)
        elif depth < _MAX_DEPTH and isinstance(value, DictValue):
            for _, items in value.items:
                found.extend(flatten_outputs(items, depth + 1))
        elif depth < _MAX_DEPTH and isinstance(value, SequenceValue) and not value.homogeneous:
            for items in value.items:
                found.extend(flatten_outputs(items, depth + 1))
    return found


def encode_returns(values: ValueSet) -> Returned:
    counter = [0]
    return _encode(values, counter, 0)


def _encode(values: ValueSet, counter: list[int], depth: int) -> Returned:
    encoded: Returned = []
    for value in values:
        item = _encode_one(value, counter, depth)
        if item is not None:
            encoded.append(item)
    return encoded


def _encode_one(value: Value, counter: list[int], depth: int) -> Optional[dict[str, Any]]:
    if isinstance(value, Output):
        if value.op == IMPORTED:
            return {"via": value.model} if value.model else None
        counter[0] += 1
        return {"op": value.op, "width": value.width, "axis": value.width_axis, "index": counter[0] - 1}
    if depth >= _MAX_DEPTH:
        return None
    if isinstance(value, DictValue):
        return {"dict": [[key, _encode(items, counter, depth + 1)] for key, items in value.items]}
    if isinstance(value, SequenceValue) and not value.homogeneous:
        return {"seq": [_encode(items, counter, depth + 1) for items in value.items]}
    return None


def factory_models(values: ValueSet) -> list[dict[str, str]]:
    """The models a function returns: instances of the file's classes or of imported ones."""
    models: list[dict[str, str]] = []
    for value in values:
        if isinstance(value, Instance) and value.cls.is_module:
            models.append({"local": value.cls.name})
        elif isinstance(value, ImportedInstance):
            models.append({"via": value.qualname})
    return models


def is_library_name(qualname: str) -> bool:
    return qualname.split(".", 1)[0] in LIBRARY_ROOTS


def decode_returns(returned: Returned, anchor: Any, depth: int = 0) -> ValueSet:
    """The values a resolved export stands for inside the importing file: every operation
    becomes an `Output` whose node is an `ExternalSite` reported at `anchor`.

    `returned` comes from the project join, where each operation carries its `origin`
    ([path, model, index]) and `via` references are already replaced.
    """
    from nnlint.analysis.facts import ExternalSite, Origin  # facts imports nothing from here

    values: list[Value] = []
    for item in returned:
        if "origin" in item:
            path, model, index = item["origin"]
            position = tuple(item["pos"]) if "pos" in item else None
            site = ExternalSite(anchor, Origin(path, model, index, position))
            values.append(Output(item["op"], site, item.get("width"), model, item.get("axis", -1)))
        elif "dict" in item and depth < _MAX_DEPTH:
            values.append(DictValue(tuple((key, decode_returns(items, anchor, depth + 1))
                                          for key, items in item["dict"])))
        elif "seq" in item and depth < _MAX_DEPTH:
            values.append(SequenceValue(tuple(decode_returns(items, anchor, depth + 1) for items in item["seq"])))
    return tuple(values)
