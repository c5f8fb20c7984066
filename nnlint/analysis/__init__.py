"""Facts about one file, computed once and read by every rule.

`analyze` runs the abstract interpreter (what reaches each loss, and the file's exports) and
then the fact builders of `FAMILIES` that the selected rules read; a builder takes the
interpreter's facts and fills in its own fields of `FileFacts`. The other families stay
lazy: computed if something reads them after all (`nnlint.analysis.lazy`). Builders walk statements by hand rather than with libcst's generic
visitor, which on large files costs more than the whole interpreter.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Callable, Container, Iterable, Mapping, Optional

import libcst as cst

from nnlint.analysis.architecture.build import build_architecture_facts
from nnlint.analysis.training.distributed import build_distributed_facts
from nnlint.analysis.training.data_loading import build_data_loading_facts
from nnlint.analysis.program.exports import Joined, Returned
from nnlint.analysis.training.freezing import build_freezing_facts
from nnlint.analysis.facts import VALUES, FileFacts
from nnlint.analysis.initialization.build import build_initialization_facts
from nnlint.analysis.program.interpreter import Interpreter
from nnlint.analysis.architecture.usage import build_layer_usage_facts
from nnlint.analysis.paths.models import class_modes
from nnlint.analysis.paths.build import build_path_facts
from nnlint.analysis.training.seeding import build_seeding_facts
from nnlint.analysis.paths.summary import add_pipelines
from nnlint.analysis.paths.target_preparation import build_target_preparation_facts
from nnlint.analysis.program import walk_count
from nnlint.analysis.program.syntax import forget_walks, uncounted_descendants
from nnlint.analysis.program.values import release
from nnlint.analysis.training.build import build_training_facts
from nnlint.catalogue.names import is_test_path

FactBuilder = Callable[[FileFacts], None]

# Each fact family and the builder that fills its FileFacts fields (see nnlint.analysis.lazy),
# in the order an eager run computes them. A builder reading another family's fields pulls
# that family in: distributed and seeding read the training loops, freezing the optimizer
# constructions and the paths.
FAMILIES: dict[str, FactBuilder] = {
    "paths": build_path_facts,
    "architecture": build_architecture_facts,
    "initialization": build_initialization_facts,
    "training": build_training_facts,
    "distributed": build_distributed_facts,
    "freezing": build_freezing_facts,
    "layer_usage": build_layer_usage_facts,
    "data_loading": build_data_loading_facts,
    "seeding": build_seeding_facts,
    "target_preparation": build_target_preparation_facts,
}
# Every family a rule can declare in its `reads`: the interpreter's and the builders'.
ALL_FAMILIES = (VALUES, *FAMILIES)


def analyze(module: cst.Module, path: str, externals: Optional[Mapping[str, Returned]] = None,
            external_modes: Optional[Mapping[str, bool]] = None, test_code: Optional[bool] = None,
            needs: Optional[Iterable[str]] = None, joined: Optional[Joined] = None) -> FileFacts:
    """The facts of one parsed file. Code nested deeply enough to exhaust the recursion limit
    yields the facts gathered so far rather than an error: a linter must not crash.

    `externals` are the models of other project files this one imports, by qualified
    name, as the project join resolved them (`nnlint.project`); `external_modes` says which of
    them have dropout or batch-norm. `test_code` says the file is test code (the project run
    knows the path below the project root); when not given only the file's name is judged.

    `needs` names the fact families to compute now (the `reads` of the selected rules); None
    computes every family. Any other family is still computed when something reads it.
    `joined` is the rest of the join: other files' loss wrappers and training pipelines."""
    try:
        test_code = is_test_path((PurePath(path).name,)) if test_code is None else test_code
        return _analyze(module, path, externals, external_modes, test_code,
                        FAMILIES if needs is None else set(needs), joined or {})
    finally:
        forget_walks()


def _analyze(module: cst.Module, path: str, externals: Optional[Mapping[str, Returned]],
             external_modes: Optional[Mapping[str, bool]], test_code: bool,
             needs: Container[str], joined: Joined) -> FileFacts:
    if walk_count.COUNTER is not None:
        walk_count.COUNTER.start_file(module, uncounted_descendants(module, stop=()))
    interpreter = Interpreter(module, path, externals, joined.get("losses"), joined.get("bases"))
    try:
        with walk_count.phase("interpreter"):
            facts = interpreter.run()
    except RecursionError:
        facts = interpreter.partial_facts()
    # Its values are in cycles that would keep the syntax tree alive for the cycle collector.
    release(interpreter.functions, interpreter.module_values())
    facts.external_modes = dict(external_modes or {})
    facts.external_pipelines = list(joined.get("pipelines", ()))
    facts.external_bases = dict(joined.get("bases", {}))
    facts.external_constructions = dict(joined.get("constructions", {}))
    facts.external_init_functions = dict(joined.get("init_functions", {}))
    facts.test_code = test_code  # before the builders: the seeding facts read it
    # In the eager order: the walks' memo (syntax.iter_calls) serves the later builders,
    # and the recursion limit is met where it always was.
    for family in FAMILIES:
        if family in needs:
            facts.compute(family)
    if facts.exports is not None:
        # What importing files' evaluation paths need (NNL502): the path facts have it when
        # they were computed; the models alone tell it otherwise.
        with walk_count.phase("exports"):
            paths = facts.paths if facts.computed("paths") else None
            facts.exports.modes = dict(paths.class_modes if paths is not None else class_modes(facts))
            if paths is not None:
                # Other files' NNL501 compares their pipelines with this file's.
                add_pipelines(facts.exports, paths)
            if facts.computed("initialization") and facts.initialization is not None:
                # Other files' `model.apply(init_weights)` (NNL301).
                for name, (node, entry) in facts.initialization.init_functions.items():
                    facts.exports.init_functions[name] = dict(entry)
                    facts.exports.init_nodes[name] = node
    return facts


__all__ = ["ALL_FAMILIES", "FAMILIES", "FileFacts", "analyze"]
