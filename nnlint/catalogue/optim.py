"""Optimizers and learning-rate schedulers: their families and how often they are stepped.

`family` decides what learning rate is plausible (NNL601): ADAPTIVE optimizers divide by a
running gradient scale and want ~1e-3, SGD wants ~1e-1..1e-3. A scheduler's `cadence` says
whether its period counts epochs (stepping it per batch ends the schedule within an epoch,
NNL606) or iterations; `period` is where the constructor takes that period (position,
keyword), when it has one.
"""

from __future__ import annotations

import re

from dataclasses import dataclass
from typing import Optional

ADAPTIVE = "adaptive"
SGD = "sgd"
OTHER = "other"

EPOCH = "epoch"          # the period is counted in epochs
ITERATION = "iteration"  # the period is counted in optimizer steps (OneCycleLR, CyclicLR)
EITHER = "either"        # the user chooses (LambdaLR, LinearLR...): nothing to check
METRIC = "metric"        # stepped with a metric (ReduceLROnPlateau)


@dataclass(frozen=True)
class Optimizer:
    name: str
    family: str


@dataclass(frozen=True)
class Scheduler:
    name: str
    cadence: str
    period: tuple[tuple[int, str], ...] = ()


def _optimizers(family: str, names: str) -> list[Optimizer]:
    return [Optimizer(name, family) for name in names.split()]


# torch.optim, and the same names as apex, timm, transformers, deepspeed, bitsandbytes spell them.
OPTIMIZERS: dict[str, Optimizer] = {row.name: row for row in [
    *_optimizers(ADAPTIVE, "Adam AdamW Adamax NAdam RAdam SparseAdam RMSprop FusedAdam"),
    *_optimizers(SGD, "SGD FusedSGD"),
    *_optimizers(OTHER, "Adagrad Adadelta ASGD Rprop LBFGS FusedLAMB Lamb LAMB Lion Adafactor"),
]}
# The packages whose optimizer classes those are (a `Lamb` of another package is not known).
OPTIMIZER_PACKAGES = ("torch.optim", "transformers", "apex", "timm.optim", "deepspeed", "bitsandbytes")

SCHEDULER_MODULE = "torch.optim.lr_scheduler."
# A scheduler period argument written with these counts iterations, not epochs
# (`T_max=len(loader) * epochs`, `step_size=total_steps // 3`).
PER_ITERATION_WORDS = re.compile(r"len\(|step|iter|batch|total|num_train|updates", re.IGNORECASE)
SCHEDULERS: dict[str, Scheduler] = {row.name: row for row in [
    Scheduler("StepLR", EPOCH, ((1, "step_size"),)),
    Scheduler("MultiStepLR", EPOCH, ((1, "milestones"),)),
    Scheduler("CosineAnnealingLR", EPOCH, ((1, "T_max"),)),
    Scheduler("ExponentialLR", EPOCH),
    Scheduler("OneCycleLR", ITERATION),
    Scheduler("CyclicLR", ITERATION),
    Scheduler("CosineAnnealingWarmRestarts", EITHER),
    Scheduler("LambdaLR", EITHER),
    Scheduler("MultiplicativeLR", EITHER),
    Scheduler("LinearLR", EITHER),
    Scheduler("ConstantLR", EITHER),
    Scheduler("PolynomialLR", EITHER),
    Scheduler("SequentialLR", EITHER),
    Scheduler("ChainedScheduler", EITHER),
    Scheduler("ReduceLROnPlateau", METRIC),
]}


def scheduler(name: str) -> Optional[Scheduler]:
    return SCHEDULERS.get(name)
