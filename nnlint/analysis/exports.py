"""What one file offers the files that import it, as plain data the cache can store.

For every `nn.Module` class: what its `forward` returns, reduced to the final operations
(softmax, sigmoid, affine, ...) inside the tuples and dicts it returns. For every top-level
function that returns a model: which class. And the file's imports, so that a package's
`__init__.py` re-exporting `from .net import Net` can be followed.

An operation is identified by its index in `flatten_outputs` order, so that the file can be
analysed again to find its position only when a finding in another file needs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from nnlint.analysis.facts import IMPORTED, Output
from nnlint.analysis.values import DictValue, ImportedInstance, Instance, SequenceValue, Value, ValueSet

# Returns nested deeper than this (a dict of tuples of dicts...) are not followed.
_MAX_DEPTH = 3
# Library modules whose names never resolve to a project file.
LIBRARY_ROOTS = frozenset({
    "torch", "torchvision", "torchaudio", "torchtext", "numpy", "math", "typing", "collections",
    "functools", "itertools", "os", "sys", "re", "json", "einops", "timm", "transformers",
    "lightning", "pytorch_lightning", "sklearn", "scipy", "pandas", "dataclasses", "abc",
})

# A returned value: a list of alternatives, each one of
#   {"op", "width", "axis", "index"}   a tensor and its final operation
#   {"via": qualified name}            the output of an imported model, resolved by the join
#   {"dict": [[key, returned], ...]}   {"seq": [returned, ...]}
Returned = list[dict[str, Any]]


@dataclass
class ModuleExports:
    models: dict[str, Returned] = field(default_factory=dict)
    # factory function -> the models it returns: {"local": class name} or {"via": qualified name}
    factories: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)
    # Whether each model class has dropout or batch-norm (what `.eval()` changes), when known.
    modes: dict[str, bool] = field(default_factory=dict)
    # The nodes of each model's operations, by index: only in the process that analysed the
    # file, to place a cross-file finding; never serialized.
    nodes: dict[str, list[Any]] = field(default_factory=dict, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"models": self.models, "factories": self.factories, "imports": self.imports, "modes": self.modes}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ModuleExports":
        return cls(dict(data["models"]), dict(data["factories"]), dict(data["imports"]), dict(data["modes"]))

    def is_empty(self) -> bool:
        return not self.models and not self.factories and not self.modes


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
            site = ExternalSite(anchor, Origin(path, model, index))
            values.append(Output(item["op"], site, item.get("width"), model, item.get("axis", -1)))
        elif "dict" in item and depth < _MAX_DEPTH:
            values.append(DictValue(tuple((key, decode_returns(items, anchor, depth + 1))
                                          for key, items in item["dict"])))
        elif "seq" in item and depth < _MAX_DEPTH:
            values.append(SequenceValue(tuple(decode_returns(items, anchor, depth + 1) for items in item["seq"])))
    return tuple(values)
