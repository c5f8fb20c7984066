"""The facts one file yields, computed once by `nnlint.analysis.analyze` and read by rules.

Facts hold libcst nodes so that a rule can report at the exact operation; everything a
later project-wide join needs (class names, loss names, op kinds, widths) is plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator, Optional

import libcst as cst

from nnlint.catalogue.names import GRADIENT_FUNCTION
from nnlint.catalogue.ranges import AFFINE, LOG_SIGMOID, LOG_SOFTMAX, RELU, SIGMOID, SOFTMAX, TANH  # noqa: F401 (read by the rules from here)

if TYPE_CHECKING:
    from nnlint.analysis.initialization import InitializationFacts
    from nnlint.analysis.paths import PathFacts

if TYPE_CHECKING:
    from nnlint.analysis.architecture import ArchitectureFacts
    from nnlint.analysis.distributed import DistributedFacts
    from nnlint.analysis.freezing import FreezingFacts
    from nnlint.analysis.exports import ModuleExports
    from nnlint.analysis.data_loading import WorkerLoader
    from nnlint.analysis.layer_usage import BuiltLayer, RepeatedLayer
    from nnlint.analysis.target_preparation import PreparedTarget
    from nnlint.analysis.training import TrainingFacts

# What the last range-determining operation on a tensor was: SOFTMAX, SIGMOID, AFFINE...
# (nnlint.catalogue.ranges), or one of these, which the interpreter derives itself.
# Values that can be exactly 0 (or below): what log, division and sqrt must be guarded from.
PROBABILITY_LIKE = "probability"  # 1 - p, mixtures and sums of probabilities, `probs` inputs
ZERO_ABLE = "zero_able"  # norms, standard deviations, counts of a mask
SQUARES = "squares"  # x ** 2, x * x, x.pow(2)
SQUARE_SUM = "square_sum"  # sums/means of squares, variances, MSE losses
GRID = "grid"  # built from torch.arange/linspace/meshgrid: constants, no gradient flows
# The output of a model imported from elsewhere, not known in this file: `model` holds the
# imported name. The project join looks it up in the other file's exports; rules never
# match it, and it does not count as a disagreeing input.
IMPORTED = "imported"

PROBABILITY_OPS = frozenset({SOFTMAX, SIGMOID})
LOG_PROBABILITY_OPS = frozenset({LOG_SOFTMAX, LOG_SIGMOID})


@dataclass(frozen=True)
class Origin:
    """Where an operation of another project file is: the file, the model (class or factory)
    whose forward returns it, and its index among that forward's returned operations.
    `position` (line, column, end line, end column) comes with the other file's summary."""

    path: str
    model: str
    index: int
    position: Optional[tuple[int, int, int, int]] = None


@dataclass(frozen=True, eq=False)
class ExternalSite:
    """Stands in for the node of an operation that lives in another file: findings are
    reported at `anchor`, the call in this file that brings the value in."""

    anchor: cst.CSTNode
    origin: Origin


@dataclass(frozen=True, eq=False)
class Output:
    """A tensor's final operation, where it happens and what is known of its width.

    `node` is where a user would change it: the `F.softmax(...)` call, or the
    `nn.Softmax()` constructor inside a `Sequential`. `model` names the model class (or
    "Sequential") whose output this is when it crossed a module boundary.
    """

    op: str
    node: "cst.CSTNode | ExternalSite"
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



@dataclass(frozen=True, eq=False)
class NumericSite:
    """A `log`, `sqrt` or division, with what is known of the operand it must not get 0.

    `operand` is the log's or sqrt's argument, or the denominator; `values` are the final
    operations known to reach it (empty when nothing is known, e.g. after a clamp).
    """

    kind: str  # "log", "sqrt", "division"
    node: cst.CSTNode
    operand: cst.BaseExpression
    values: tuple[Output, ...]
    spelled: str
    # The function it is in ("" at module level) and whether that is an nn.Module method.
    function: str = ""
    in_module: bool = False
    # The operand is a variable the same function compares (`if norm > 0`,
    # `torch.where(n > 0, x / n, 0)`): guarded by a branch rather than by an eps.
    compared: bool = False
    # Under `torch.no_grad()` / `inference_mode()` (a decorator or a `with` block).
    no_grad: bool = False
    # In a function, or in the module's own script code, that backpropagates a loss
    # (`loss.backward()`): the loss it computes there takes gradients, whatever its name.
    backpropagated: bool = False

    @property
    def in_training_code(self) -> bool:
        """In a module's methods, a function named as a loss, distance or normalisation, or
        code that calls backward(): where a NaN reaches the gradients. Metrics, box utilities
        and optimizer internals run without gradients, and their authors usually know their
        denominators' range."""
        return self.in_module or self.backpropagated or bool(GRADIENT_FUNCTION.search(self.function))


@dataclass(frozen=True, eq=False)
class NanComparison:
    """`x == float('nan')` and the like: `node` is the comparison, `nan` the NaN operand.

    `other` is the operand compared with NaN, `other_kind` what it is known to be:
    TENSOR, NUMBER (a Python number) or None. `truth_tested` says the comparison is the
    condition of an `if`/`while`/`assert`/conditional expression (or a `not`/`and`/`or`
    part of one), where only its truth matters.
    """

    node: cst.Comparison
    nan: cst.BaseExpression
    negated: bool
    other: Optional[cst.BaseExpression] = None
    other_kind: Optional[str] = None
    truth_tested: bool = False


# What an operand is known to be.
TENSOR = "tensor"
NUMBER = "number"


@dataclass(eq=False)
class ModelFacts:
    """An `nn.Module` subclass (or module-level `nn.Sequential`) of this file."""

    name: str
    node: cst.CSTNode
    layers: dict[str, str] = field(default_factory=dict)  # attribute -> torch class name
    outputs: tuple[Output, ...] = ()
    # The expressions `forward` returns, as written (`return F.softmax(x, 1)`).
    returned: tuple[cst.BaseExpression, ...] = ()


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
    numeric_sites: list[NumericSite] = field(default_factory=list)
    nan_comparisons: list[NanComparison] = field(default_factory=list)
    # Layers built and never used, batch-norms applied twice (nnlint.analysis.layer_usage).
    unused_layers: list["BuiltLayer"] = field(default_factory=list)
    repeated_layers: list["RepeatedLayer"] = field(default_factory=list)
    # DataLoaders whose workers copy one dataset's random generator (nnlint.analysis.data_loading).
    worker_loaders: list["WorkerLoader"] = field(default_factory=list)
    # Regression targets whose preparation is in view (nnlint.analysis.target_preparation).
    prepared_targets: list["PreparedTarget"] = field(default_factory=list)
    # Where the file starts a training run that nothing seeds (nnlint.analysis.seeding).
    unseeded_run: Optional[cst.CSTNode] = None
    # Parameter creation and initialization (nnlint.analysis.initialization).
    initialization: Optional["InitializationFacts"] = None
    # Optimizers, schedulers and training loops (nnlint.analysis.training).
    training: Optional["TrainingFacts"] = None
    # DataLoaders, distributed samplers, DDP wrappers (nnlint.analysis.distributed).
    distributed: Optional["DistributedFacts"] = None
    # Frozen parameters and the optimizers over them (nnlint.analysis.freezing).
    freezing: Optional["FreezingFacts"] = None
    # Training/evaluation paths, preprocessing and input dtypes (nnlint.analysis.paths).
    paths: Optional["PathFacts"] = None
    # What other files can import from this one (nnlint.analysis.exports): plain data.
    exports: Optional["ModuleExports"] = None
    # Imported names called as models here (`ExistHead()(x)`): where the project join
    # may know more than this file does.
    imported_models: set[str] = field(default_factory=set)
    # Imported model classes known (from the project join) to have dropout/batch-norm or not.
    external_modes: dict[str, bool] = field(default_factory=dict)
    # Training pipelines of the project files this one imports from (the project join), each
    # with its "path": what NNL501 compares a serving script's own pipeline with.
    external_pipelines: list[dict] = field(default_factory=list)
    # A test file or a file under the project's tests folder (catalogue.names.is_test_path):
    # the rules about how well a model trains do not read its placeholder models.
    test_code: bool = False

    def loss_inputs(self, *losses: str) -> Iterator[tuple[LossCall, Output]]:
        """Each (loss call, final operation reaching its input) for the named losses.

        Only calls whose every known input agrees on the final operation: when a branch
        nnlint cannot decide (`if not self.wass: model = Sequential(model, Sigmoid())`)
        sends logits one way and probabilities the other, the code handles both and a
        finding would more likely be wrong than right.
        """
        for call in self.loss_calls:
            known = [output for output in call.inputs if output.op != IMPORTED]
            if call.loss in losses and len({output.op for output in known}) == 1:
                for output in known:
                    yield call, output
