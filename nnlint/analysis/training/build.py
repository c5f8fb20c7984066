"""The optimization loop: optimizers, schedulers, training loops and what runs inside them.

Read by the NNL6xx rules. The builder walks statements by hand (see `nnlint.analysis`):
every function, method and the module's top-level code is one *scope*. Walking a scope in
textual order records *events* — `backward()`, `optimizer.step()`, `zero_grad()`, gradient
reads, `x += loss` accumulations, assignments — each with the chain of loops around it and
the branches (`if`/`try`) it sits in. A call of a function or method of the same file
(`train_step(...)`, `self.update(...)`, a closure passed to `step(closure)`) inserts that
helper's own events at the call, one level deep, so a loop whose step lives in a helper is
still seen whole.

On top of the events the builder derives what needs order across a scope: which optimizer
was built from a model that is afterwards re-bound (NNL607).

The modules: `training_facts` (what the facts say: events, loops, constructions),
`training_events` (the walk), `optimizers` (optimizer and scheduler constructions),
`stale_optimizers` (NNL607), `accumulation` (gradient accumulation, NNL609).
"""

from __future__ import annotations

from nnlint.analysis.training.accumulation import AccumulationLoop, find_accumulation_loops
from nnlint.analysis.facts import FileFacts
from nnlint.analysis.training.stale_optimizers import find_stale_optimizers
from nnlint.analysis.training.events import EventWalker
from nnlint.analysis.training.fan_in import note_fan_ins
from nnlint.analysis.training.facts import (
    ACCUMULATE,
    ASSIGN,
    BACKWARD,
    GRAD_READ,
    LOSS,
    OTHER_UPDATE,
    STEP,
    ZERO_GRAD,
    Branch,
    Event,
    ForwardCall,
    Loop,
    OptimizerConstruction,
    SchedulerConstruction,
    Scope,
    StaleOptimizer,
    TrainingFacts,
    TrainingLoop,
    compatible,
)

__all__ = [
    "ACCUMULATE", "ASSIGN", "AccumulationLoop", "BACKWARD", "GRAD_READ", "LOSS", "OTHER_UPDATE", "STEP",
    "ZERO_GRAD", "Branch", "Event", "ForwardCall", "Loop", "OptimizerConstruction", "SchedulerConstruction",
    "Scope", "StaleOptimizer", "TrainingFacts", "TrainingLoop", "build_training_facts", "compatible",
]


def build_training_facts(facts: FileFacts) -> None:
    """Fill `facts.training` with the optimization-loop facts of the file."""
    walker = EventWalker(facts)
    training = walker.run()
    note_fan_ins(facts, training.optimizers, walker.constructions.constants)
    training.stale_optimizers = find_stale_optimizers(facts, training, walker.functions)
    training.accumulations = find_accumulation_loops(facts.module, training)
    facts.training = training
