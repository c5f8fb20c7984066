"""Every torch loss: its functional form and the input and target it expects.

`input` says what the first argument must be (`nnlint.catalogue.ranges`: LOGITS,
PROBABILITIES, LOG_PROBABILITIES, VALUES, EMBEDDINGS, OTHER); `target` the second.
The loss rules pick the losses they check by what they expect, never by a list of names.
"""

from __future__ import annotations

from dataclasses import dataclass

from nnlint.catalogue.ranges import (
    CLASS_INDICES,
    EMBEDDINGS,
    LOG_PROBABILITIES,
    LOGITS,
    OTHER,
    PROBABILITIES,
    SAME_AS_INPUT,
    SIGNS,
    VALUES,
)

_F = "torch.nn.functional."


@dataclass(frozen=True)
class Loss:
    name: str                      # the torch.nn class: "CrossEntropyLoss"
    input: str
    target: str
    functions: tuple[str, ...] = ()  # qualified functional forms


_ROWS = [
    # Class scores: CrossEntropyLoss applies log_softmax itself (targets: indices or probabilities).
    Loss("CrossEntropyLoss", LOGITS, CLASS_INDICES, (_F + "cross_entropy",)),
    Loss("NLLLoss", LOG_PROBABILITIES, CLASS_INDICES, (_F + "nll_loss",)),
    Loss("NLLLoss2d", LOG_PROBABILITIES, CLASS_INDICES),
    Loss("BCELoss", PROBABILITIES, PROBABILITIES, (_F + "binary_cross_entropy",)),
    Loss("BCEWithLogitsLoss", LOGITS, PROBABILITIES,
         (_F + "binary_cross_entropy_with_logits", "torch.binary_cross_entropy_with_logits")),
    Loss("MultiLabelSoftMarginLoss", LOGITS, PROBABILITIES, (_F + "multilabel_soft_margin_loss",)),
    Loss("MultiMarginLoss", LOGITS, CLASS_INDICES, (_F + "multi_margin_loss",)),
    Loss("MultiLabelMarginLoss", LOGITS, CLASS_INDICES, (_F + "multilabel_margin_loss",)),
    Loss("SoftMarginLoss", LOGITS, SIGNS, (_F + "soft_margin_loss",)),
    Loss("KLDivLoss", LOG_PROBABILITIES, PROBABILITIES, (_F + "kl_div",)),
    # Regression.
    Loss("MSELoss", VALUES, SAME_AS_INPUT, (_F + "mse_loss",)),
    Loss("L1Loss", VALUES, SAME_AS_INPUT, (_F + "l1_loss",)),
    Loss("SmoothL1Loss", VALUES, SAME_AS_INPUT, (_F + "smooth_l1_loss",)),
    Loss("HuberLoss", VALUES, SAME_AS_INPUT, (_F + "huber_loss",)),
    # A mean and a variance, a log-rate (log_input=True by default), CTC log-probs by time step.
    Loss("GaussianNLLLoss", OTHER, SAME_AS_INPUT, (_F + "gaussian_nll_loss",)),
    Loss("PoissonNLLLoss", OTHER, SAME_AS_INPUT, (_F + "poisson_nll_loss",)),
    Loss("CTCLoss", OTHER, CLASS_INDICES, (_F + "ctc_loss",)),
    # Distances, similarities and rankings.
    Loss("CosineEmbeddingLoss", EMBEDDINGS, SIGNS, (_F + "cosine_embedding_loss",)),
    Loss("HingeEmbeddingLoss", EMBEDDINGS, SIGNS, (_F + "hinge_embedding_loss",)),
    Loss("MarginRankingLoss", EMBEDDINGS, SIGNS, (_F + "margin_ranking_loss",)),
    Loss("TripletMarginLoss", EMBEDDINGS, EMBEDDINGS, (_F + "triplet_margin_loss",)),
    Loss("TripletMarginWithDistanceLoss", EMBEDDINGS, EMBEDDINGS, (_F + "triplet_margin_with_distance_loss",)),
    # Hidden features and the classifier weight in one (torch >= 2.13).
    Loss("LinearCrossEntropyLoss", OTHER, CLASS_INDICES),
]

LOSSES: dict[str, Loss] = {row.name: row for row in _ROWS}
LOSS_FUNCTIONS: dict[str, str] = {function: row.name for row in _ROWS for function in row.functions}
