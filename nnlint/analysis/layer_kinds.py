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

from nnlint.analysis.syntax import last_part

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


NN = "torch.nn."
F = "torch.nn.functional."


def _names(prefix: str, names: str) -> frozenset[str]:
    return frozenset(prefix + name for name in names.split())


_WEIGHT_MODULES = _names(NN, "Linear LazyLinear Bilinear Conv1d Conv2d Conv3d ConvTranspose1d "
                             "ConvTranspose2d ConvTranspose3d LazyConv1d LazyConv2d LazyConv3d "
                             "LazyConvTranspose1d LazyConvTranspose2d LazyConvTranspose3d")
_ACTIVATION_MODULES = _names(NN, "ReLU ReLU6 LeakyReLU PReLU RReLU ELU CELU SELU GELU SiLU Mish "
                                 "Sigmoid Tanh Hardtanh Hardswish Hardsigmoid Softplus Softsign "
                                 "Softshrink Hardshrink Tanhshrink Threshold LogSigmoid Softmax "
                                 "Softmax2d LogSoftmax Softmin GLU")
_NORM_MODULES = _names(NN, "BatchNorm1d BatchNorm2d BatchNorm3d LazyBatchNorm1d LazyBatchNorm2d "
                           "LazyBatchNorm3d SyncBatchNorm LayerNorm GroupNorm InstanceNorm1d "
                           "InstanceNorm2d InstanceNorm3d LazyInstanceNorm1d LazyInstanceNorm2d "
                           "LazyInstanceNorm3d LocalResponseNorm RMSNorm CrossMapLRN2d")
_AFFINE_NORM_MODULES = _names(NN, "BatchNorm1d BatchNorm2d BatchNorm3d LazyBatchNorm1d LazyBatchNorm2d "
                                  "LazyBatchNorm3d SyncBatchNorm")
_DROPOUT_MODULES = _names(NN, "Dropout Dropout1d Dropout2d Dropout3d AlphaDropout FeatureAlphaDropout")
_RESHAPE_MODULES = _names(NN, "Flatten Unflatten Identity PixelShuffle PixelUnshuffle Upsample "
                              "UpsamplingNearest2d UpsamplingBilinear2d ZeroPad1d ZeroPad2d ZeroPad3d "
                              "ConstantPad1d ConstantPad2d ConstantPad3d ReflectionPad1d "
                              "ReflectionPad2d ReflectionPad3d ReplicationPad1d ReplicationPad2d "
                              "ReplicationPad3d ChannelShuffle")
_LINEAR_POOL_MODULES = _names(NN, "AvgPool1d AvgPool2d AvgPool3d AdaptiveAvgPool1d AdaptiveAvgPool2d "
                                  "AdaptiveAvgPool3d")
_NONLINEAR_POOL_MODULES = _names(NN, "MaxPool1d MaxPool2d MaxPool3d AdaptiveMaxPool1d AdaptiveMaxPool2d "
                                     "AdaptiveMaxPool3d LPPool1d LPPool2d FractionalMaxPool2d "
                                     "FractionalMaxPool3d")

_WEIGHT_FUNCTIONS = _names(F, "linear bilinear conv1d conv2d conv3d conv_transpose1d conv_transpose2d "
                              "conv_transpose3d") | _names("torch.", "conv1d conv2d conv3d")
_ACTIVATION_NAMES = ("relu relu_ relu6 leaky_relu leaky_relu_ prelu rrelu elu elu_ celu selu gelu silu "
                     "mish sigmoid tanh hardtanh hardswish hardsigmoid softplus softsign softshrink "
                     "hardshrink tanhshrink threshold logsigmoid softmax log_softmax softmin glu "
                     "sigmoid_ tanh_ exp log abs sin cos square sqrt rsqrt erf clamp clip clamp_ "
                     "clamp_min clamp_max maximum minimum where sign gumbel_softmax")
_ACTIVATION_FUNCTIONS = (_names(F, _ACTIVATION_NAMES) | _names("torch.", _ACTIVATION_NAMES)
                         | _names("torch.special.", "expit erf softmax log_softmax"))
_NORM_FUNCTIONS = _names(F, "layer_norm batch_norm group_norm instance_norm normalize local_response_norm "
                            "rms_norm")
_DROPOUT_FUNCTIONS = _names(F, "dropout dropout1d dropout2d dropout3d alpha_dropout feature_alpha_dropout")
_RESHAPE_FUNCTIONS = _names("torch.", "squeeze unsqueeze flatten reshape permute transpose narrow select "
                                      "movedim t chunk split") | _names(F, "pad interpolate pixel_shuffle "
                                                                           "pixel_unshuffle upsample")
_LINEAR_POOL_FUNCTIONS = _names(F, "avg_pool1d avg_pool2d avg_pool3d adaptive_avg_pool1d "
                                   "adaptive_avg_pool2d adaptive_avg_pool3d") | _names("torch.", "mean sum")
_NONLINEAR_POOL_FUNCTIONS = _names(F, "max_pool1d max_pool2d max_pool3d adaptive_max_pool1d "
                                      "adaptive_max_pool2d adaptive_max_pool3d lp_pool2d") | _names(
    "torch.", "max amax logsumexp")
SKIP_JOINS = _names("torch.", "cat concat concatenate stack add hstack vstack")
PRODUCT_FUNCTIONS = _names("torch.", "matmul bmm mm einsum mul baddbmm addmm multiply") | _names(
    F, "scaled_dot_product_attention grid_sample")

_ACTIVATION_METHODS = frozenset(_ACTIVATION_NAMES.split()) | {"pow", "pow_", "exp_", "norm", "max", "min",
                                                              "amax", "amin", "topk", "sort", "argmax"}
_RESHAPE_METHODS = frozenset({
    "view", "view_as", "reshape", "reshape_as", "squeeze", "unsqueeze", "squeeze_", "unsqueeze_",
    "flatten", "permute", "transpose", "transpose_", "expand", "expand_as", "narrow", "select", "movedim",
    "t", "unflatten", "repeat", "index_select", "gather", "chunk", "split", "unbind", "roll", "flip",
})
# Methods that leave the layer structure alone; with a second tensor argument they merge.
PASS_METHODS = frozenset({"contiguous", "float", "double", "half", "bfloat16", "to", "cpu", "cuda",
                          "clone", "detach", "type", "type_as", "requires_grad_", "mul", "mul_", "div",
                          "div_", "add", "add_", "sub", "sub_", "neg"})
# The tensor argument of these only lends its shape, dtype or device: no merge.
SHAPE_ONLY_METHODS = frozenset({"view_as", "reshape_as", "expand_as", "type_as", "to", "new_zeros",
                                "new_ones", "new_empty", "new_full", "new_tensor"})
_LINEAR_POOL_METHODS = frozenset({"mean", "sum", "nanmean", "nansum"})

_NORMISH_WORDS = ("norm", "bn")
_ACTISH_WORDS = ("relu", "gelu", "silu", "swish", "sigmoid", "tanh", "act", "mish", "softmax", "elu")
_RESIDUAL_WORDS = ("residual", "resblock", "res_block", "bottleneck", "basicblock", "basic_block",
                   "block", "transformer", "attention", "layer", "stage", "encoder", "decoder", "dense",
                   "inverted", "mbconv", "fused")


def module_kind(name: str) -> Optional[tuple[str, bool]]:
    """(kind, linear) of a `torch.nn` module class; None when it is not one."""
    short = last_part(name)
    if name in _WEIGHT_MODULES:
        return WEIGHT, False
    if name in _ACTIVATION_MODULES:
        return ACTIVATION, False
    if name in _NORM_MODULES:
        return NORM, name in _AFFINE_NORM_MODULES
    if name in _DROPOUT_MODULES:
        return DROPOUT, False
    if name in _RESHAPE_MODULES:
        return RESHAPE, False
    if name in _LINEAR_POOL_MODULES:
        return POOL, True
    if name in _NONLINEAR_POOL_MODULES:
        return POOL, False
    if name.startswith(NN) and short[:1].isupper() and "." not in name[len(NN):]:
        return OTHER, False
    return None


def function_kind(name: str) -> tuple[str, bool]:
    """(kind, linear) of a torch function applied to one tensor."""
    if name in _WEIGHT_FUNCTIONS:
        return WEIGHT, False
    if name in _ACTIVATION_FUNCTIONS:
        return ACTIVATION, False
    if name in _NORM_FUNCTIONS:
        return NORM, name == F + "batch_norm"
    if name in _DROPOUT_FUNCTIONS:
        return DROPOUT, False
    if name in _RESHAPE_FUNCTIONS:
        return RESHAPE, False
    if name in _LINEAR_POOL_FUNCTIONS:
        return POOL, True
    if name in _NONLINEAR_POOL_FUNCTIONS:
        return POOL, False
    return UNKNOWN, False


def method_kind(method: str) -> tuple[str, bool]:
    """(kind, linear) of a tensor method called with no second tensor."""
    if method in _RESHAPE_METHODS:
        return RESHAPE, False
    if method in _LINEAR_POOL_METHODS:
        return POOL, True
    if method in _ACTIVATION_METHODS:
        return ACTIVATION, False
    return UNKNOWN, False


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
