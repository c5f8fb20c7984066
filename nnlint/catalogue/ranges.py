"""What a tensor's values are after an operation that sets their range.

The names are the `op` of `nnlint.analysis.facts.Output`: the interpreter follows them from
the operation to the losses, logs and divisions they reach.
"""

SOFTMAX = "softmax"          # (0, 1), summing to 1 over `dim`
LOG_SOFTMAX = "log_softmax"  # (-inf, 0], logsumexp 0 over `dim`
SIGMOID = "sigmoid"          # (0, 1), each value on its own
LOG_SIGMOID = "logsigmoid"   # (-inf, 0)
TANH = "tanh"                # (-1, 1)
RELU = "relu"                # [0, inf)
AFFINE = "affine"            # a Linear/Conv/Bilinear output: unbounded raw scores
NORMALIZED = "normalized"    # x / x.sum(dim): a distribution computed by hand, [0, 1] summing to 1

# Ranges scores cannot have and still act as logits: a softmax of ReLU outputs can never
# make a class less likely than one scored 0.
NOT_LOGITS = frozenset({RELU})

# Ranges whose values are probabilities (not log-probabilities, not logits).
PROBABILITY_RANGES = frozenset({SOFTMAX, SIGMOID, NORMALIZED})

# torch.ones / ones_like: a mask whose count the code sets (MAE's `mask = torch.ones([N, L]);
# mask[:, :len_keep] = 0`), not the data: its sum is not an empty selection's 0.
ONES = "ones"
UNIT_NORM = "unit_norm"      # eigenvectors, singular vectors, Q of QR: columns of norm 1, never 0
# torch.randn draws: a vector of Gaussian samples is 0, or constant, with probability 0, so its
# norm and std are not 0 (random projection directions `d = torch.randn(n, k); d / d.norm(dim=0)`).
GAUSSIAN = "gaussian"

# What a loss expects as its input, and what its target is (`nnlint.catalogue.losses`).
LOGITS = "logits"                        # raw scores; the loss applies softmax/sigmoid itself
PROBABILITIES = "probabilities"          # values in [0, 1]
LOG_PROBABILITIES = "log_probabilities"  # log-softmax outputs
VALUES = "values"                        # any real numbers (regression)
EMBEDDINGS = "embeddings"                # vectors compared by distance or similarity
OTHER = "other"                          # anything else (CTC log-probs by time, Gaussian mean + var...)

CLASS_INDICES = "class_indices"  # integers in [0, C)
SAME_AS_INPUT = "same_as_input"  # a tensor shaped and ranged like the input
SIGNS = "signs"                  # -1 or 1

# What a visible preparation of regression targets leaves them as (NNL110), and the target
# kinds each bounded output range cannot reach.
STANDARDIZED = "standardized"    # (y - mean) / std, StandardScaler: negative, beyond ±1
LOG_TRANSFORMED = "log"          # log(y), log1p(y): unbounded, negative for y < 1
UNIT_INTERVAL = "unit_interval"  # MinMaxScaler, (y - min) / (max - min): [0, 1]
SYMMETRIC_UNIT = "symmetric_unit"  # MaxAbsScaler, MinMaxScaler((-1, 1)): [-1, 1]
UNREACHABLE_TARGETS = {
    SIGMOID: frozenset({STANDARDIZED, LOG_TRANSFORMED, SYMMETRIC_UNIT}),
    SOFTMAX: frozenset({STANDARDIZED, LOG_TRANSFORMED, SYMMETRIC_UNIT}),
    TANH: frozenset({STANDARDIZED, LOG_TRANSFORMED}),
    RELU: frozenset({STANDARDIZED, LOG_TRANSFORMED, SYMMETRIC_UNIT}),
}
OUTPUT_RANGES = {SIGMOID: "(0, 1)", SOFTMAX: "(0, 1), summing to 1", TANH: "(-1, 1)", RELU: "[0, inf)"}
TARGET_RANGES = {STANDARDIZED: "centred on 0, about a third of them below -1 or above 1",
                 LOG_TRANSFORMED: "unbounded, negative wherever y < 1"}
