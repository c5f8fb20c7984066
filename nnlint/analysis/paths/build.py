"""Training and evaluation paths: which code trains, which evaluates, and in which mode.

Read by NNL501-NNL505. A hand-written walk over statements (see `nnlint.analysis`) turns
every function, the module body and the `if __name__ == "__main__":` block into a *scope*:
an ordered list of events (mode switches `.eval()` / `.train()`, calls of a model,
`backward()` / optimizer `step()`, calls of the file's own functions), each with the loops
and `torch.no_grad()` blocks around it. A scope gets a role from its name
(`train*`/`fit*`/`training_step` train; `eval*`/`test*`/`valid*`/`predict*`/`infer*`/
`validation_step` evaluate) and from its body (a loop with `backward()`/`step()` trains; a
function decorated with `@torch.no_grad()` evaluates). The preprocessing and dtype facts
(`nnlint.analysis.paths.preprocessing`, `nnlint.analysis.paths.dtypes`) are attached to the same object.

The modules: `path_facts` (what the facts say: roles, events, scopes), `path_scopes` (the
walk and the roles), `path_events` (what a call is: mode switch, step, model call),
`path_models` (which names hold models, and whether they have dropout or batch-norm).
"""

from __future__ import annotations

from nnlint.analysis.paths.dtypes import build_dtype_facts
from nnlint.analysis.facts import FileFacts
from nnlint.analysis.paths.facts import (
    EVAL,
    EVAL_SWITCH,
    LOCAL_CALL,
    MODEL_CALL,
    OTHER,
    STEP,
    SWITCH,
    TRAIN,
    TRAIN_SWITCH,
    Event,
    PathFacts,
    Scope,
    same_model,
)
from nnlint.analysis.paths.scopes import OwnStatements, ScopeWalker
from nnlint.analysis.paths.preprocessing import build_preprocessing_facts
from nnlint.analysis.program.syntax import dotted_name as dotted
from nnlint.catalogue.names import MODEL_NAME

__all__ = [
    "EVAL", "EVAL_SWITCH", "LOCAL_CALL", "MODEL_CALL", "MODEL_NAME", "OTHER", "STEP", "SWITCH", "TRAIN",
    "TRAIN_SWITCH", "Event", "PathFacts", "Scope", "build_path_facts", "dotted", "same_model",
]


def build_path_facts(facts: FileFacts) -> None:
    """Fill `facts.paths` with the scopes of the file, then the preprocessing and dtype facts
    that are read along them."""
    paths = ScopeWalker(facts).run()
    # Both builders read every scope's own statements in order: listed once for the two.
    statements = OwnStatements()
    paths.preprocessing = build_preprocessing_facts(facts, paths, statements)
    paths.dtypes = build_dtype_facts(facts, paths, statements)
    facts.paths = paths
