"""Every `torch.nn` module class and what kind of layer it is, as data.

One row per class; the rules and fact builders never keep their own list. A row's fields:
`kind` (see KINDS), `output` (the range its output gets, for activations that set one:
`nnlint.catalogue.ranges`), `linear` (batch-norm: an affine map at inference; average pooling:
a linear map), `width` (where the constructor takes the output width: position, keyword) and
`width_axis` (which axis that width counts), `mode_dependent` (behaves differently under
`.train()` and `.eval()`), `stateless` (no parameters, buffers or mode: harmless in a plain
Python list), `keeps_range` (reshapes or pools without changing what the values mean),
`rate` (where a mode-dependent layer takes the dropout probability that a literal 0 turns off),
`fan_in` (where the constructor takes the sizes whose product is the fan-in torch's default
initialisation scales the weights by, 1/sqrt(fan-in); `kernel_dims` for a kernel size given
as one int).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from nnlint.catalogue.ranges import LOG_SIGMOID, LOG_SOFTMAX, RELU, SIGMOID, SOFTMAX, TANH

WEIGHT = "weight"                # an affine map with a weight matrix: Linear, Conv*, Bilinear
RECURRENT = "recurrent"          # RNN, LSTM, GRU and their cells: weight matrices, non-linear
EMBEDDING = "embedding"          # a lookup table indexed by integers
ACTIVATION = "activation"
NORMALIZATION = "normalization"
DROPOUT = "dropout"
POOLING = "pooling"
RESHAPE = "reshape"              # moves values between axes: Flatten, PixelShuffle
PADDING = "padding"
UPSAMPLING = "upsampling"
IDENTITY = "identity"
ATTENTION = "attention"          # MultiheadAttention and the Transformer family
CONTAINER = "container"
LOSS = "loss"
OTHER = "other"                  # distances, folding, unpooling, wrappers

KINDS = (WEIGHT, RECURRENT, EMBEDDING, ACTIVATION, NORMALIZATION, DROPOUT, POOLING, RESHAPE, PADDING,
         UPSAMPLING, IDENTITY, ATTENTION, CONTAINER, LOSS, OTHER)

# How a container holds its modules.
SEQUENTIAL = "sequential"   # applies them in order
LIST = "list"
DICT = "dict"
PARAMETER_LIST = "parameter_list"
PARAMETER_DICT = "parameter_dict"


@dataclass(frozen=True)
class Layer:
    name: str  # the class name in torch.nn: "Conv2d"
    kind: str
    output: Optional[str] = None
    linear: bool = False
    width: Optional[tuple[int, str]] = None
    width_axis: int = -1
    mode_dependent: bool = False
    stateless: bool = False
    keeps_range: bool = False
    container: Optional[str] = None
    # The constructor keyword of a dropout the layer applies itself when it is not 0
    # (`nn.LSTM(..., dropout=0.3)`): then `.train()`/`.eval()` changes it too.
    dropout_keyword: Optional[str] = None
    # For a mode-dependent layer: where its constructor takes the dropout probability
    # (position, keyword). Built with a literal 0 there, the layer does the same thing in
    # both modes (`nn.Dropout(p=0.0)`, `nn.TransformerEncoderLayer(..., dropout=0)`).
    rate: Optional[tuple[int, str]] = None
    # Where the constructor takes the factors of the fan-in (position, keyword): the default
    # initialisation draws weights of size ~1/sqrt(fan-in) (NNL601 compares a step with it).
    fan_in: tuple[tuple[int, str], ...] = ()
    kernel_dims: int = 0

    @property
    def has_weight_matrix(self) -> bool:
        """A `weight` whose units must start different (constant initialization is a bug)."""
        return self.kind in (WEIGHT, RECURRENT, EMBEDDING)

    @property
    def takes_float_input(self) -> bool:
        """Its parameters are floating point, so its input must be too (same dtype)."""
        return self.kind in (WEIGHT, RECURRENT, NORMALIZATION, ATTENTION)

    @property
    def takes_index_input(self) -> bool:
        return self.kind == EMBEDDING


def _dims(pattern: str, dims: str = "123") -> list[str]:
    return [pattern.format(d) for d in dims]


_ROWS: list[Layer] = []


def _add(kind: str, names: list[str], **fields: object) -> None:
    _ROWS.extend(Layer(name, kind, **fields) for name in names)  # type: ignore[arg-type]


# Affine maps. `width` is where the output width is passed; Lazy layers take no input size.
_add(WEIGHT, ["Linear"], width=(1, "out_features"), fan_in=((0, "in_features"),))
_add(WEIGHT, ["LazyLinear"], width=(0, "out_features"))
_add(WEIGHT, ["Bilinear"], width=(2, "out_features"))
for _d in (1, 2, 3):
    _add(WEIGHT, [f"Conv{_d}d"], width=(1, "out_channels"), width_axis=1,
         fan_in=((0, "in_channels"), (2, "kernel_size")), kernel_dims=_d)
_add(WEIGHT, _dims("ConvTranspose{}d"), width=(1, "out_channels"), width_axis=1)
_add(WEIGHT, _dims("LazyConv{}d") + _dims("LazyConvTranspose{}d"), width=(0, "out_channels"), width_axis=1)

# Recurrent weights are drawn at 1/sqrt(hidden_size).
_add(RECURRENT, ["RNN", "LSTM", "GRU"], dropout_keyword="dropout", fan_in=((1, "hidden_size"),))
_add(RECURRENT, ["RNNBase"], dropout_keyword="dropout")
_add(RECURRENT, ["RNNCell", "LSTMCell", "GRUCell"], fan_in=((1, "hidden_size"),))
_add(RECURRENT, ["RNNCellBase"])
_add(EMBEDDING, ["Embedding", "EmbeddingBag"])

# Activations. `output` only for those whose range the loss and numeric rules follow.
_add(ACTIVATION, ["Softmax", "Softmax2d"], output=SOFTMAX, stateless=True)
_add(ACTIVATION, ["LogSoftmax"], output=LOG_SOFTMAX, stateless=True)
_add(ACTIVATION, ["Sigmoid"], output=SIGMOID, stateless=True)
_add(ACTIVATION, ["LogSigmoid"], output=LOG_SIGMOID, stateless=True)
_add(ACTIVATION, ["Tanh"], output=TANH, stateless=True)
_add(ACTIVATION, ["ReLU", "ReLU6"], output=RELU, stateless=True)
_add(ACTIVATION, ["LeakyReLU", "ELU", "CELU", "SELU", "GELU", "SiLU", "Mish", "Hardtanh", "Hardswish",
                  "Hardsigmoid", "Softplus", "Softsign", "Softshrink", "Hardshrink", "Tanhshrink", "Threshold",
                  "Softmin", "GLU"], stateless=True)
_add(ACTIVATION, ["PReLU"])                       # a learned slope: a parameter
_add(ACTIVATION, ["RReLU"], mode_dependent=True)  # a random slope in training, the mean in eval

# Normalizations. Batch norm keeps running statistics: an affine map at inference, and
# different in training and evaluation. The others use each sample's own statistics.
_BATCH_NORMS = _dims("BatchNorm{}d") + _dims("LazyBatchNorm{}d") + ["SyncBatchNorm"]
_add(NORMALIZATION, _BATCH_NORMS, linear=True, mode_dependent=True)
_add(NORMALIZATION, ["LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm", "CrossMapLRN2d",
                     *_dims("InstanceNorm{}d"), *_dims("LazyInstanceNorm{}d")])

_add(DROPOUT, ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"],
     mode_dependent=True, rate=(0, "p"))

_add(POOLING, _dims("AvgPool{}d") + _dims("AdaptiveAvgPool{}d"), linear=True, stateless=True, keeps_range=True)
_add(POOLING, _dims("MaxPool{}d") + _dims("AdaptiveMaxPool{}d"), stateless=True, keeps_range=True)
_add(POOLING, ["FractionalMaxPool2d", "FractionalMaxPool3d"], keeps_range=True)  # random regions
_add(POOLING, _dims("LPPool{}d"), stateless=True)  # a p-norm: values leave their range

_add(RESHAPE, ["Flatten", "Unflatten"], stateless=True, keeps_range=True)
_add(RESHAPE, ["PixelShuffle", "PixelUnshuffle", "ChannelShuffle"], stateless=True)
_add(PADDING, [f"{kind}Pad{d}d" for kind in ("Zero", "Constant", "Reflection", "Replication", "Circular")
               for d in "123"], stateless=True)
_add(UPSAMPLING, ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"], stateless=True, keeps_range=True)
_add(IDENTITY, ["Identity"], stateless=True, keeps_range=True)

# The Transformer layers default to dropout=0.1; MultiheadAttention to dropout=0.0.
_add(ATTENTION, ["MultiheadAttention"], dropout_keyword="dropout")
_add(ATTENTION, ["Transformer"], mode_dependent=True, rate=(5, "dropout"))
_add(ATTENTION, ["TransformerEncoderLayer", "TransformerDecoderLayer"], mode_dependent=True, rate=(3, "dropout"))
_add(ATTENTION, ["TransformerEncoder", "TransformerDecoder"], mode_dependent=True)

_add(CONTAINER, ["Sequential"], container=SEQUENTIAL)
_add(CONTAINER, ["ModuleList"], container=LIST)
_add(CONTAINER, ["ModuleDict"], container=DICT)
_add(CONTAINER, ["ParameterList"], container=PARAMETER_LIST)
_add(CONTAINER, ["ParameterDict"], container=PARAMETER_DICT)

_add(OTHER, ["Module", "Container", "DataParallel", "Fold", "Unfold", "CosineSimilarity", "PairwiseDistance",
             *_dims("MaxUnpool{}d"), "AdaptiveLogSoftmaxWithLoss"])

LAYERS: dict[str, Layer] = {row.name: row for row in _ROWS}
