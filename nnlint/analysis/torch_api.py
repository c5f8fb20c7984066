"""What nnlint knows of torch's API: which names are activations, layers and losses.

All names are fully qualified as the import table resolves them. Nothing here imports
torch; the tables are the part of its public API the rules reason about.
"""

from __future__ import annotations

from nnlint.analysis.facts import AFFINE, LOG_SIGMOID, LOG_SOFTMAX, RELU, SIGMOID, SOFTMAX, TANH

_F = "torch.nn.functional."
_NN = "torch.nn."

# Functions whose output's range is set by their own operation.
ACTIVATION_FUNCTIONS: dict[str, str] = {
    **{f"{prefix}softmax": SOFTMAX for prefix in ("torch.", _F, "torch.special.")},
    **{f"{prefix}log_softmax": LOG_SOFTMAX for prefix in ("torch.", _F, "torch.special.")},
    **{f"{prefix}sigmoid": SIGMOID for prefix in ("torch.", _F, "torch.special.")},
    "torch.special.expit": SIGMOID,
    _F + "logsigmoid": LOG_SIGMOID,
    **{f"{prefix}tanh": TANH for prefix in ("torch.", _F, "torch.special.")},
    **{f"{prefix}relu": RELU for prefix in ("torch.", _F)},
    _F + "relu_": RELU,
    "torch.relu_": RELU,
    _F + "relu6": RELU,
    _F + "linear": AFFINE,
}

# Tensor methods with the same meaning: `x.softmax(1)`, `x.sigmoid()`.
ACTIVATION_METHODS: dict[str, str] = {
    "softmax": SOFTMAX,
    "log_softmax": LOG_SOFTMAX,
    "sigmoid": SIGMOID,
    "sigmoid_": SIGMOID,
    "tanh": TANH,
    "tanh_": TANH,
    "relu": RELU,
    "relu_": RELU,
}

ACTIVATION_MODULES: dict[str, str] = {
    _NN + "Softmax": SOFTMAX,
    _NN + "Softmax2d": SOFTMAX,
    _NN + "LogSoftmax": LOG_SOFTMAX,
    _NN + "Sigmoid": SIGMOID,
    _NN + "LogSigmoid": LOG_SIGMOID,
    _NN + "Tanh": TANH,
    _NN + "ReLU": RELU,
    _NN + "ReLU6": RELU,
}

# The softmax family, whose `dim` should be explicit: (qualified name, position of dim).
NORMALIZER_FUNCTIONS: dict[str, tuple[str, int]] = {
    _F + "softmax": ("softmax", 1),
    _F + "log_softmax": ("log_softmax", 1),
    _F + "softmin": ("softmin", 1),
}
NORMALIZER_MODULES: dict[str, tuple[str, int]] = {
    _NN + "Softmax": ("softmax", 0),
    _NN + "LogSoftmax": ("log_softmax", 0),
    _NN + "Softmin": ("softmin", 0),
}

# Layers whose output is an affine map of the input; value = position of the output width.
AFFINE_MODULES: dict[str, tuple[int, str]] = {
    _NN + "Linear": (1, "out_features"),
    _NN + "LazyLinear": (0, "out_features"),
    _NN + "Bilinear": (2, "out_features"),
    **{_NN + f"Conv{d}d": (1, "out_channels") for d in (1, 2, 3)},
    **{_NN + f"ConvTranspose{d}d": (1, "out_channels") for d in (1, 2, 3)},
    **{_NN + f"LazyConv{d}d": (0, "out_channels") for d in (1, 2, 3)},
}

# Modules that hand their input on unchanged (dropout is the identity for this purpose).
PASS_THROUGH_MODULES = frozenset(
    _NN + name
    for name in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
                 "FeatureAlphaDropout", "Identity")
)
# Modules that keep the values' meaning but move or merge axes (the width is lost).
RESHAPING_MODULES = frozenset(
    _NN + name
    for name in (
        "Flatten", "Unflatten",
        "AvgPool1d", "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
        "AdaptiveAvgPool3d", "MaxPool1d", "MaxPool2d", "MaxPool3d", "AdaptiveMaxPool1d",
        "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "Upsample", "UpsamplingNearest2d",
        "UpsamplingBilinear2d",
    )
)

CONTAINER_MODULES = frozenset({_NN + "Sequential", _NN + "ModuleList"})
MODULE_DICT = _NN + "ModuleDict"

# Functions that keep the last real operation of their (first) tensor argument.
PASS_THROUGH_FUNCTIONS = frozenset({"torch.clone", "torch.detach"}) | frozenset(
    _F + name for name in ("dropout", "dropout1d", "dropout2d", "dropout3d")
)
# Likewise, but they move or merge axes, so a known width no longer applies.
RESHAPING_FUNCTIONS = frozenset(
    "torch." + name
    for name in ("squeeze", "unsqueeze", "flatten", "reshape", "permute", "transpose", "narrow",
                 "select", "movedim", "t")
) | frozenset(
    _F + name for name in ("avg_pool1d", "avg_pool2d", "avg_pool3d", "max_pool1d", "max_pool2d",
                           "max_pool3d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
                           "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
                           "interpolate")
)
# Functions over a sequence of tensors that keep what all of them share.
JOINING_FUNCTIONS = frozenset({"torch.cat", "torch.stack", "torch.concat", "torch.concatenate",
                               "torch.hstack", "torch.vstack"})

# Tensor methods that change device, dtype or nothing at all.
PASS_THROUGH_METHODS = frozenset({
    "contiguous", "float", "double", "half", "bfloat16", "to", "cpu", "cuda", "clone", "detach",
    "type", "type_as", "requires_grad_",
})
# Tensor methods that move, merge or pick axes: values keep their meaning, width is lost.
RESHAPING_METHODS = frozenset({
    "view", "view_as", "reshape", "reshape_as", "squeeze", "unsqueeze", "squeeze_", "unsqueeze_",
    "flatten", "permute", "transpose", "expand", "expand_as", "narrow", "select", "movedim", "t",
    "unflatten", "repeat", "index_select", "gather", "masked_select",
})
# Reductions keep non-negativity (sum of ReLU outputs is >= 0) but not a distribution.
NON_NEGATIVITY_KEEPING_METHODS = frozenset({"sum", "mean", "max", "amax", "min", "amin", "nansum", "nanmean"})

# Module methods that hand back the module itself, so `Net().to(device)` is still a Net.
SELF_RETURNING_METHODS = frozenset({"to", "cuda", "cpu", "train", "eval", "float", "double",
                                    "half", "bfloat16", "requires_grad_", "apply", "type"})

# Losses: class name -> kind. Functional forms map to the class they mirror.
LOSS_MODULES: dict[str, str] = {
    _NN + name: name
    for name in ("CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "MSELoss",
                 "L1Loss", "SmoothL1Loss", "HuberLoss", "KLDivLoss", "MultiMarginLoss",
                 "MultiLabelSoftMarginLoss")
}
LOSS_FUNCTIONS: dict[str, str] = {
    _F + "cross_entropy": "CrossEntropyLoss",
    _F + "nll_loss": "NLLLoss",
    _F + "binary_cross_entropy": "BCELoss",
    _F + "binary_cross_entropy_with_logits": "BCEWithLogitsLoss",
    "torch.binary_cross_entropy_with_logits": "BCEWithLogitsLoss",
    _F + "mse_loss": "MSELoss",
    _F + "l1_loss": "L1Loss",
    _F + "smooth_l1_loss": "SmoothL1Loss",
    _F + "huber_loss": "HuberLoss",
    _F + "kl_div": "KLDivLoss",
    _F + "multi_margin_loss": "MultiMarginLoss",
    _F + "multilabel_soft_margin_loss": "MultiLabelSoftMarginLoss",
}

MODULE_BASES = frozenset({
    _NN + "Module", "torch.nn.modules.module.Module",
    "pytorch_lightning.LightningModule", "lightning.LightningModule",
    "lightning.pytorch.LightningModule", "pytorch_lightning.core.LightningModule",
    "lightning.pytorch.core.LightningModule",
})


def is_module_class(name: str) -> bool:
    """`torch.nn.Linear`, `torch.nn.BCELoss`: a class of torch.nn (capitalised by convention)."""
    prefix, _, leaf = name.rpartition(".")
    return prefix == "torch.nn" and leaf[:1].isupper()
