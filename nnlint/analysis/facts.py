"""The facts one file yields, computed once by `nnlint.analysis.analyze` and read by rules.

Facts hold libcst nodes so that a rule can report at the exact operation; everything a
later project-wide join needs (class names, loss names, op kinds, widths) is plain data.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator, Optional

import libcst as cst

from nnlint.analysis.program import walk_count
from nnlint.analysis.lazy import LazyFact, lazy_fields
from nnlint.catalogue.names import GRADIENT_FUNCTION
from nnlint.catalogue.ranges import AFFINE, LOG_SIGMOID, LOG_SOFTMAX, NORMALIZED, PROBABILITY_RANGES, RELU, SIGMOID, SOFTMAX, TANH  # noqa: F401 (read by the rules from here)

if TYPE_CHECKING:
    from nnlint.analysis.initialization.build import InitializationFacts
    from nnlint.analysis.paths.build import PathFacts

if TYPE_CHECKING:
    from nnlint.analysis.architecture.build import ArchitectureFacts
    from nnlint.analysis.training.distributed import DistributedFacts
    from nnlint.analysis.training.freezing import FreezingFacts
    from nnlint.analysis.program.exports import ModuleExports
    from nnlint.analysis.training.data_loading import WorkerLoader
    from nnlint.analysis.architecture.usage import BuiltLayer, RepeatedLayer
    from nnlint.analysis.paths.target_preparation import PreparedTarget
    from nnlint.analysis.training.build import TrainingFacts

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
    # The values keep the range of `op` but are computed from its output (`1 - p` of a
    # sigmoid, a softmax averaged over the batch, one picked by `torch.where`): what the
    # range says holds, but `op` is not the last operation, so it cannot simply be removed
    # or replaced by its stable log form.
    derived: bool = False
    # For a softmax or log-softmax: the known range of the scores it normalised, when that
    # range is bounded (a ReLU's output), else None. Such scores cannot act as logits.
    scores: Optional["Output"] = None
    # Made inside a branch whose condition is not decided (`if i != n - 1: x = F.relu(x)` in a
    # loop over layers): the other way may carry a value nnlint does not know, so this one
    # need not be what every run computes.
    undecided_branch: bool = False

    def through_model(self, model: str) -> "Output":
        if self.model is not None:
            return self
        return dataclasses.replace(self, model=model)

    def reshaped(self) -> "Output":
        """The same values after a view/reshape/index: which axis is which is no longer known."""
        if self.width is None:
            return self
        return dataclasses.replace(self, width=None, width_axis=-1)

    def derived_at(self) -> "Output":
        """The same range, after an operation that keeps it (see `derived`); width unknown."""
        return dataclasses.replace(self, width=None, width_axis=-1, derived=True)


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
    # In a function of the file that a function named as a loss or distance (or the forward of
    # a class so named) calls, directly or through other helpers:
    # `_pairwise_euclidean` called from a loss's forward takes the loss's gradients.
    training_helper: bool = False
    # No backward pass reaches it: its function is named as a metric, a derivative or a plot,
    # or is called only under no_grad (or from such functions), or it is set-up code run once
    # before a training loop (see Interpreter._gradient_free_scopes and _setup_site).
    gradient_free: bool = False
    # Computed by a library with autograd (torch, a tensor method, an operator): False for
    # numpy's functions (`np.log(p)`), whose results no backward pass ever goes through.
    autograd: bool = True

    @property
    def demonstration(self) -> bool:
        """Module-level script code that backpropagates nothing: a notebook's or script's
        top-level values that no `backward()` of that code reaches are printed, plotted or
        asserted (a log spectrogram drawn with `imshow`, a book's step-by-step cross entropy
        on a few chosen numbers), never trained on."""
        return not self.function and not self.backpropagated

    @property
    def may_take_gradients(self) -> bool:
        """Nothing shows that no backward pass reaches it: not under no_grad, not in
        gradient-free code, not numpy's, not a demonstration."""
        return not (self.no_grad or self.gradient_free or not self.autograd or self.demonstration)

    @property
    def in_training_code(self) -> bool:
        """In a module's methods, a function named as a loss, distance or normalisation, or
        code that calls backward(), or a helper such code calls: where a NaN reaches the
        gradients; never under no_grad or where no backward pass reaches. Metrics, box
        utilities and optimizer internals run without gradients, and their authors usually
        know their denominators' range."""
        if not self.may_take_gradients:
            return False
        return self.in_module or self.backpropagated or self.training_helper \
            or bool(GRADIENT_FUNCTION.search(self.function))


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
    # Attributes holding a plain list/tuple/dict of layers with parameters or state that the
    # class (or a helper it calls) builds, as the interpreter followed them (local names,
    # appends, helpers, `getattr(nn, name)`): attribute -> one such layer's class name.
    unregistered_layers: dict[str, str] = field(default_factory=dict)


# The FileFacts fields the abstract interpreter fills (the "values" family): computed with
# the file's exports, which the project join and the cache always need.
VALUES = "values"
_VALUE_FIELDS = frozenset({"models", "loss_calls", "normalizers", "one_unit_softmaxes", "numeric_sites",
                           "nan_comparisons", "exports", "imported_models"})


@dataclass(eq=False)
class FileFacts:
    """The facts of one file. The interpreter's are computed with it; every other family is a
    `LazyFact`, computed when first read (`nnlint.analysis.lazy`). `path`, `module`,
    `imports`, `external_modes` and `test_code` belong to no family: every rule may read them."""

    path: str
    module: cst.Module
    imports: dict[str, str]
    models: dict[str, ModelFacts] = field(default_factory=dict)
    loss_calls: list[LossCall] = field(default_factory=list)
    normalizers: list[NormalizerSite] = field(default_factory=list)
    # Softmaxes taken over a dimension known to hold a single unit (always 1.0).
    one_unit_softmaxes: list[Output] = field(default_factory=list)
    # Layer sequences (nnlint.analysis.architecture.build).
    architecture: Optional["ArchitectureFacts"] = LazyFact("architecture")
    numeric_sites: list[NumericSite] = field(default_factory=list)
    nan_comparisons: list[NanComparison] = field(default_factory=list)
    # Layers built and never used, batch-norms applied twice (nnlint.analysis.architecture.usage).
    unused_layers: list["BuiltLayer"] = LazyFact("layer_usage", list)
    repeated_layers: list["RepeatedLayer"] = LazyFact("layer_usage", list)
    # DataLoaders whose workers copy one dataset's random generator (nnlint.analysis.training.data_loading).
    worker_loaders: list["WorkerLoader"] = LazyFact("data_loading", list)
    # Regression targets whose preparation is in view (nnlint.analysis.paths.target_preparation).
    prepared_targets: list["PreparedTarget"] = LazyFact("target_preparation", list)
    # Where the file starts a training run that nothing seeds (nnlint.analysis.training.seeding).
    unseeded_run: Optional[cst.CSTNode] = LazyFact("seeding")
    # Parameter creation and initialization (nnlint.analysis.initialization.build).
    initialization: Optional["InitializationFacts"] = LazyFact("initialization")
    # Optimizers, schedulers and training loops (nnlint.analysis.training.build).
    training: Optional["TrainingFacts"] = LazyFact("training")
    # DataLoaders, distributed samplers, DDP wrappers (nnlint.analysis.training.distributed).
    distributed: Optional["DistributedFacts"] = LazyFact("distributed")
    # Frozen parameters and the optimizers over them (nnlint.analysis.training.freezing).
    freezing: Optional["FreezingFacts"] = LazyFact("freezing")
    # Training/evaluation paths, preprocessing and input dtypes (nnlint.analysis.paths.build).
    paths: Optional["PathFacts"] = LazyFact("paths")
    # What other files can import from this one (nnlint.analysis.program.exports): plain data.
    exports: Optional["ModuleExports"] = None
    # Imported names called as models here (`ExistHead()(x)`): where the project join
    # may know more than this file does.
    imported_models: set[str] = field(default_factory=set)
    # Calls whose callee the interpreter resolved to a library name the syntax does not spell
    # (`getattr(lr_scheduler, cfg["method"])(opt, ...)` -> torch.optim.lr_scheduler.StepLR).
    resolved_callees: dict[cst.Call, str] = field(default_factory=dict)
    # The learning rate an optimizer construction surely gets, as the interpreter evaluated it
    # (`lr=config["lr"]` with the dict literal in view, a parameter default every caller keeps).
    optimizer_lrs: dict[cst.Call, float] = field(default_factory=dict)
    # Imported model classes known (from the project join) to have dropout/batch-norm or not.
    external_modes: dict[str, bool] = field(default_factory=dict)
    # Training pipelines of the project files this one imports from (the project join), each
    # with its "path": what NNL501 compares a serving script's own pipeline with.
    external_pipelines: list[dict] = field(default_factory=list)
    # Base classes defined in other project files, by the qualified name this file imports
    # them as, as the project join resolved them (nnlint.project.ProjectResolver.bases):
    # whether each is a Module, the torch layers it builds, what its code reads.
    external_bases: dict[str, dict] = field(default_factory=dict)
    # Factory functions of other project files returning an optimizer or a scheduler (the
    # join's "constructions"): {"kind", "qualified", "per_iteration", "model_param", "model_name"}.
    external_constructions: dict[str, dict] = field(default_factory=dict)
    # Init functions of other project files (the join's "init_functions"), with their "path".
    external_init_functions: dict[str, dict] = field(default_factory=dict)
    # A test file or a file under the project's tests folder (catalogue.names.is_test_path):
    # the rules about how well a model trains do not read its placeholder models.
    test_code: bool = False

    def __post_init__(self) -> None:
        # Families whose builder ran or runs, and how many builders are running now (reads
        # made by a builder are its own, not the rule's that caused it: see tests/strict_facts).
        self._computed: set[str] = set()
        self._building = 0

    def compute(self, family: str) -> None:
        """Run the builder of `family` unless it ran: its fields hold their defaults while it
        runs and keep them when the code is nested too deeply for it."""
        if family in self._computed:
            return
        self._computed.add(family)
        # Imported here: the builders import this module.
        from nnlint.analysis import FAMILIES
        for name, lazy in lazy_fields(type(self)).items():
            if lazy.family == family and name not in self.__dict__:
                self.__dict__[name] = lazy.default()
        self._building += 1
        try:
            with walk_count.phase(family):
                FAMILIES[family](self)
        except RecursionError:
            pass
        finally:
            self._building -= 1

    def computed(self, family: str) -> bool:
        """Whether the family's builder ran (without running it)."""
        return family in self._computed

    @classmethod
    def family_of(cls, name: str) -> Optional[str]:
        """The fact family an attribute belongs to: what a rule reading it must declare in its
        `reads`; None for the file itself (`module`, `imports`...) and for methods, whose own
        reads count."""
        lazy = lazy_fields(cls).get(name)
        if lazy is not None:
            return lazy.family
        return VALUES if name in _VALUE_FIELDS else None

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
