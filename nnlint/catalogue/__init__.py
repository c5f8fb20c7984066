"""What nnlint knows about torch and the libraries built on it, as data, in one place.

Every analysis and rule asks here rather than keeping its own list of names: what kind of
layer `torch.nn.Conv2d` is, what a loss expects, which functions set a value's range, which
optimizers are adaptive and which schedulers count epochs, and the name conventions that
mark training and evaluation code. The tables are plain Python data (no torch import, read
once at import): `layers.py`, `losses.py`, `functions.py`, `optim.py`, `names.py`,
`ecosystem.py`, `data.py`. docs/catalogue.md says what is in them and how to extend them.

The lookups below are the API; the tables may be read directly for iteration.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Mapping, Optional

from nnlint.catalogue.ecosystem import (MODEL_FACTORIES, MODULE_BASE_SUFFIX, MODULE_BASES, NON_MODULE_BASE_ROOTS,
                                        NON_MODULE_BASES)
from nnlint.catalogue.layers import ATTENTION, LAYERS, LOSS, RECURRENT, Layer
from nnlint.catalogue.losses import LOSS_FUNCTIONS, LOSSES, Loss
from nnlint.catalogue.optim import OPTIMIZER_PACKAGES, OPTIMIZERS, SCHEDULERS, Optimizer, Scheduler

TORCH_NN = "torch.nn."

# The loss classes are torch.nn modules too.
for _loss in LOSSES:
    LAYERS.setdefault(_loss, Layer(_loss, LOSS))


def layer(name: str) -> Optional[Layer]:
    """The torch.nn class of this short name (`"Conv2d"`), or None."""
    return LAYERS.get(name)


def nn_layer(qualified: Optional[str]) -> Optional[Layer]:
    """The torch.nn class of this qualified name (`"torch.nn.Conv2d"`), or None."""
    if not qualified or not qualified.startswith(TORCH_NN):
        return None
    return LAYERS.get(qualified[len(TORCH_NN):])


def nn_names(where: Callable[[Layer], bool]) -> frozenset[str]:
    """The qualified names of the torch.nn classes a predicate picks, for set operations:
    `nn_names(lambda layer: layer.has_weight_matrix)`."""
    return frozenset(TORCH_NN + name for name, row in LAYERS.items() if where(row))


def layer_kind(name: str) -> Optional[str]:
    """`layer_kind("Conv2d") == "weight"`; None for a name torch.nn does not have."""
    found = LAYERS.get(name)
    return found.kind if found is not None else None


def is_container(qualified: Optional[str]) -> bool:
    """A torch.nn container (`Sequential`, `ModuleList`, `ModuleDict`): its layers are its items."""
    found = nn_layer(qualified)
    return found is not None and found.container is not None


def is_nn_class(qualified: Optional[str]) -> bool:
    """`torch.nn.Linear`, `torch.nn.BCELoss`, also one the catalogue does not list: a class
    of torch.nn (capitalised by convention)."""
    if not qualified:
        return False
    prefix, _, leaf = qualified.rpartition(".")
    return prefix == "torch.nn" and leaf[:1].isupper()


def loss(name: str) -> Optional[Loss]:
    """The loss of this torch.nn class name (`"CrossEntropyLoss"`)."""
    return LOSSES.get(name)


def loss_of_call(qualified: Optional[str]) -> Optional[str]:
    """The loss class a qualified callee names or mirrors: `torch.nn.CrossEntropyLoss` and
    `torch.nn.functional.cross_entropy` both give "CrossEntropyLoss"."""
    if not qualified:
        return None
    if qualified in LOSS_FUNCTIONS:
        return LOSS_FUNCTIONS[qualified]
    found = nn_layer(qualified)
    return found.name if found is not None and found.kind == LOSS else None


def losses_taking(input_kind: str) -> tuple[str, ...]:
    """The loss classes whose input is `input_kind` (`ranges.LOGITS`...), in table order."""
    return tuple(name for name, row in LOSSES.items() if row.input == input_kind)


def optimizer(qualified: str) -> Optional[Optimizer]:
    """The optimizer a qualified constructor builds (`torch.optim.AdamW`, `apex.optimizers.FusedAdam`)."""
    if not qualified.startswith(OPTIMIZER_PACKAGES):
        return None
    return OPTIMIZERS.get(qualified.rpartition(".")[2])


def optimizer_family(name: str) -> Optional[str]:
    """`optim.ADAPTIVE` or `optim.SGD` (or `optim.OTHER`) of an optimizer class name."""
    found = OPTIMIZERS.get(name)
    return found.family if found is not None else None


def scheduler(name: str) -> Optional[Scheduler]:
    """The learning-rate scheduler of this class name (`"StepLR"`)."""
    return SCHEDULERS.get(name)


def is_module_base(qualified: Optional[str]) -> bool:
    """A base class that makes a class an nn.Module (nn.Module itself, LightningModule)."""
    return qualified is not None and (qualified in MODULE_BASES or qualified.endswith(MODULE_BASE_SUFFIX))


def never_module_base(written: str, qualified: Optional[str]) -> bool:
    """A base that cannot make a class an nn.Module (`object`, `ABC`, `Dataset`, `Enum`)."""
    if qualified is None:
        return written in NON_MODULE_BASES
    return (qualified in NON_MODULE_BASES or qualified.startswith(NON_MODULE_BASE_ROOTS)
            or qualified.startswith("builtins."))


# Memoised per distinct name: the path analysis asks for every call it meets, and the same
# few hundred names recur across a corpus (the answer is the table's own row, never a copy).
@lru_cache(maxsize=8192)
def model_factory(qualified: str) -> Optional[dict[str, bool]]:
    """What a call building a whole model (`torchvision.models.resnet18`) is known to give."""
    for pattern, known in MODEL_FACTORIES:
        if pattern.search(qualified):
            return known
    return None


def changes_with_mode(name: str) -> bool:
    """A layer `.train()`/`.eval()` changes: torch.nn's dropout, batch-norm, RReLU and
    Transformer layers by their short name, and a class of another package whose name says
    dropout or batch norm (`MCDropout`, `FrozenBatchNorm2d`: better a question than silence)."""
    short = name[len(TORCH_NN):] if name.startswith(TORCH_NN) else name
    found = LAYERS.get(short)
    if found is not None and found.mode_dependent:
        return True
    return "Dropout" in name or "BatchNorm" in name


def built_with_mode_layers(qualified: Optional[str], keywords: Mapping[str, str]) -> bool:
    """A torch.nn layer built as a whole model (`encoder = nn.TransformerEncoder(...)`) that
    behaves differently under `.train()` and `.eval()`: the Transformer family (dropout 0.1 by
    default), or a layer given a non-zero dropout (`nn.LSTM(..., dropout=0.3)`). `keywords`
    are the constructor's keyword arguments, as written."""
    found = nn_layer(qualified)
    if found is None or found.kind not in (ATTENTION, RECURRENT):
        return False
    if found.mode_dependent:
        rate = keywords.get(found.rate[1]) if found.rate else None
        return rate is None or rate.strip() not in ("0", "0.0", "0.", "False")
    value = keywords.get(found.dropout_keyword or "")
    return value is not None and value.strip() not in ("0", "0.0", "0.", "False")


def mode_rate_argument(qualified: Optional[str]) -> Optional[tuple[int, str]]:
    """(position, keyword) of the dropout probability of a torch.nn mode-dependent layer
    (`p` of `nn.Dropout`, `dropout` of `nn.TransformerEncoderLayer`): built with 0 there, the
    layer behaves the same under `.train()` and `.eval()`. None for other layers."""
    found = nn_layer(qualified)
    return found.rate if found is not None and found.mode_dependent else None


# `F.dropout(x, training=self.training)`, `F.batch_norm(...)`, also `self.dropout(x)`: a call
# whose name ends like this depends on the mode.
_MODE_CALL = re.compile(r"\.(dropout\w*|batch_norm)$")


@lru_cache(maxsize=8192)  # asked for every call of a path's model code, names recur
def call_changes_with_mode(qualified: str) -> bool:
    """A call (by its qualified or dotted name) whose result `.train()`/`.eval()` changes."""
    return bool(_MODE_CALL.search(qualified))


__all__ = [
    "Layer", "Loss", "Optimizer", "Scheduler", "built_with_mode_layers", "call_changes_with_mode", "changes_with_mode", "is_module_base", "is_nn_class", "layer", "mode_rate_argument",
    "layer_kind", "nn_names", "loss", "loss_of_call", "losses_taking", "model_factory", "nn_layer", "optimizer",
    "optimizer_family", "scheduler",
]
