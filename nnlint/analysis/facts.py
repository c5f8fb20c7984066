"""The facts one file yields, computed once by `nnlint.analysis.analyze` and read by rules.

Facts hold libcst nodes so that a rule can report at the exact operation; everything a
later project-wide join needs (class names, loss names, op kinds, widths) is plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator, Optional

import libcst as cst

if TYPE_CHECKING:
    from nnlint.analysis.architecture import ArchitectureFacts

if TYPE_CHECKING:
    from nnlint.analysis.initialization import InitializationFacts

# What the last range-determining operation on a tensor was.
SOFTMAX = "softmax"
LOG_SOFTMAX = "log_softmax"
SIGMOID = "sigmoid"
LOG_SIGMOID = "logsigmoid"
TANH = "tanh"
RELU = "relu"
AFFINE = "affine"  # a Linear/Conv/Bilinear output: unbounded raw scores

PROBABILITY_OPS = frozenset({SOFTMAX, SIGMOID})
LOG_PROBABILITY_OPS = frozenset({LOG_SOFTMAX, LOG_SIGMOID})


@dataclass(frozen=True, eq=False)
class Output:
    """A tensor's final operation, where it happens and what is known of its width.

    `node` is where a user would change it: the `F.softmax(...)` call, or the
    `nn.Softmax()` constructor inside a `Sequential`. `model` names the model class (or
    "Sequential") whose output this is when it crossed a module boundary.
    """

    op: str
    node: cst.CSTNode
    width: Optional[int] = None
    model: Optional[str] = None
    # Which axis `width` counts: -1 for Linear outputs, 1 (channels) for convolutions.
    width_axis: int = -1

    def through_model(self, model: str) -> "Output":
        if self.model is not None:
            return self
        return Output(self.op, self.node, self.width, model, self.width_axis)

    def reshaped(self) -> "Output":
        """The same values after a view/reshape/index: which axis is which is no longer known."""
        if self.width is None:
            return self
        return Output(self.op, self.node, None, self.model)


@dataclass(frozen=True, eq=False)
class LossCall:
    """A call of a loss: `criterion(out, y)`, `F.cross_entropy(out, y)`, `loss.forward(...)`.

    `loss` is the torch class name (`CrossEntropyLoss`, also for `F.cross_entropy`);
    `spelled` is how the user wrote it (`F.cross_entropy`, `CrossEntropyLoss`).
    `inputs` and `targets` are the known final operations that can reach the first and
    second argument.
    """

    loss: str
    spelled: str
    node: cst.Call
    inputs: tuple[Output, ...]
    targets: tuple[Output, ...]


@dataclass(frozen=True, eq=False)
class NormalizerSite:
    """A softmax-family operation, with or without an explicit `dim`."""

    op: str  # "softmax", "log_softmax", "softmin"
    node: cst.CSTNode
    spelled: str
    has_dim: bool


@dataclass(eq=False)
class ModelFacts:
    """An `nn.Module` subclass (or module-level `nn.Sequential`) of this file."""

    name: str
    node: cst.CSTNode
    layers: dict[str, str] = field(default_factory=dict)  # attribute -> torch class name
    outputs: tuple[Output, ...] = ()


@dataclass(eq=False)
class FileFacts:
    path: str
    module: cst.Module
    imports: dict[str, str]
    models: dict[str, ModelFacts] = field(default_factory=dict)
    loss_calls: list[LossCall] = field(default_factory=list)
    normalizers: list[NormalizerSite] = field(default_factory=list)
    # Softmaxes taken over a dimension known to hold a single unit (always 1.0).
    one_unit_softmaxes: list[Output] = field(default_factory=list)
    # Layer sequences (nnlint.analysis.architecture); None until its builder ran.
    architecture: Optional["ArchitectureFacts"] = None
    # Parameter creation and initialization (nnlint.analysis.initialization).
    initialization: Optional["InitializationFacts"] = None

    def loss_inputs(self, *losses: str) -> Iterator[tuple[LossCall, Output]]:
        """Each (loss call, final operation reaching its input) for the named losses."""
        for call in self.loss_calls:
            if call.loss in losses:
                for output in call.inputs:
                    yield call, output
