"""What kind of step a layer, function or tensor method is: weight, activation, normalization...

The architecture rules (NNL401, NNL402) only care whether a step is linear, non-linear,
normalizing or a shortcut, so every torch module, functional and tensor method the layer
sequences meet is sorted into one of a handful of kinds here. Names from other packages
can only be guessed from words in them (`...Norm`, `...Block`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

import libcst as cst

from nnlint import catalogue
from nnlint.analysis.program.syntax import last_part
from nnlint.catalogue import layers as catalogue_layers
from nnlint.catalogue.functions import FUNCTION_STEPS, METHOD_STEPS

# Step kinds.
WEIGHT = "weight"            # Linear, Conv*, ConvTranspose*, Bilinear, F.linear, F.conv*
ACTIVATION = "activation"    # ReLU, GELU, tanh ... anything non-linear on purpose
NORM = "normalization"       # BatchNorm, LayerNorm, GroupNorm, InstanceNorm, F.normalize
DROPOUT = "dropout"
RESHAPE = "reshape"          # view/flatten/permute/indexing/Identity/padding/upsampling
POOL = "pooling"             # `linear` True for average pooling and means
MERGE = "merge"              # two tensors combined; `skip` for x + f(x), cat([x, f(x)])
OTHER = "other"              # known torch modules that are neither (RNN, attention, Embedding)
UNKNOWN = "unknown"          # user modules, unknown calls, conditional layers


@dataclass(frozen=True, eq=False)
class LayerStep:
    """One operation applied to the tensor: a layer, an activation, a reshape...

    `linear` also marks batch normalization, an affine map at inference (LayerNorm,
    GroupNorm and the like divide by each sample's own statistics: not linear).
    `node` is where the layer is constructed (`nn.Linear(...)`) for layers of a Sequential,
    and where it is applied (`self.fc2(x)`) for layers called in `forward`. `name` is the
    torch class or function (`Linear`, `relu`) or the user class; `attr` the `self.<attr>`
    it was called through. `container` identifies the `nn.Sequential` call or `forward`
    the step was written in. `linear` marks average pooling (a linear map); `skip` marks a
    merge that is a skip connection; `resets` marks an unknown step that may well hold a
    normalization or residual path (a conditional layer, a `...Norm`/`...Block` class);
    `shared` marks a step whose output is also used elsewhere (returned, or fed to a
    second branch); `repeated` marks the second copy of a loop whose trip count is unknown.
    """

    kind: str
    node: cst.CSTNode
    name: str
    container: int
    attr: Optional[str] = None
    linear: bool = False
    skip: bool = False
    resets: bool = False
    shared: bool = False
    repeated: bool = False
    construction: Optional[cst.Call] = None  # the constructor call of a layer, when known


def changed_step(step: LayerStep, **changes: object) -> LayerStep:
    """`dataclasses.replace(step, **changes)` without its per-call field introspection (a
    forward makes thousands of copies); LayerStep has no `__post_init__` to run."""
    copy = object.__new__(LayerStep)
    fields = copy.__dict__
    fields.update(step.__dict__)
    fields.update(changes)
    return copy


NN = "torch.nn."


_NORMISH_WORDS = ("norm", "bn")
_ACTISH_WORDS = ("relu", "gelu", "silu", "swish", "sigmoid", "tanh", "act", "mish", "softmax", "elu")
_RESIDUAL_WORDS = ("residual", "resblock", "res_block", "bottleneck", "basicblock", "basic_block",
                   "block", "transformer", "attention", "layer", "stage", "encoder", "decoder", "dense",
                   "inverted", "mbconv", "fused")


# The catalogue's layer kinds as the steps of a layer sequence: recurrent, embedding,
# attention, container and loss layers are known but neither linear nor a reset (OTHER).
_STEP_OF_KIND = {
    catalogue_layers.WEIGHT: WEIGHT, catalogue_layers.ACTIVATION: ACTIVATION,
    catalogue_layers.NORMALIZATION: NORM, catalogue_layers.DROPOUT: DROPOUT,
    catalogue_layers.POOLING: POOL, catalogue_layers.RESHAPE: RESHAPE, catalogue_layers.PADDING: RESHAPE,
    catalogue_layers.UPSAMPLING: RESHAPE, catalogue_layers.IDENTITY: RESHAPE,
}


def module_kind(name: str) -> Optional[tuple[str, bool]]:
    """(kind, linear) of a `torch.nn` module class; None when it is not one."""
    known = catalogue.nn_layer(name)
    if known is not None:
        return _STEP_OF_KIND.get(known.kind, OTHER), known.linear
    if name.startswith(NN) and last_part(name)[:1].isupper() and "." not in name[len(NN):]:
        return OTHER, False
    return None


def function_kind(name: str) -> tuple[str, bool]:
    """(kind, linear) of a torch function applied to one tensor."""
    known = FUNCTION_STEPS.get(name)
    if known is None:
        return UNKNOWN, False
    return _STEP_OF_KIND[known[0]], known[1]


def method_kind(method: str) -> tuple[str, bool]:
    """(kind, linear) of a tensor method called with no second tensor."""
    known = METHOD_STEPS.get(method)
    if known is None:
        return UNKNOWN, False
    return _STEP_OF_KIND[known[0]], known[1]


def _contains_word(name: str, words: Iterable[str]) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in words)


def may_reset(class_name: str) -> bool:
    """A module class whose name suggests a residual path or a normalization inside."""
    return _contains_word(class_name, _RESIDUAL_WORDS + _NORMISH_WORDS)


def guess_foreign_kind(short: str) -> tuple[str, bool, bool]:
    """(kind, linear, resets) of a module class from another package, from its name alone."""
    if _contains_word(short, _NORMISH_WORDS) and not _contains_word(short, ("act",)):
        return NORM, "batchnorm" in short.lower(), True
    if _contains_word(short, _ACTISH_WORDS) and not _contains_word(short, ("conv", "linear")):
        return ACTIVATION, False, False
    return UNKNOWN, False, may_reset(short)
