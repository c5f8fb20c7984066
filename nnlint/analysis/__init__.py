"""Facts about one file, computed once and read by every rule.

`analyze` runs the abstract interpreter (what reaches each loss) and then each fact builder
registered in `_BUILDERS`; a builder takes the interpreter's facts and fills in its own
field of `FileFacts`. Builders walk statements by hand rather than with libcst's generic
visitor, which on large files costs more than the whole interpreter.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Callable, Mapping, Optional

import libcst as cst

from nnlint.analysis.architecture import build_architecture_facts
from nnlint.analysis.distributed import build_distributed_facts
from nnlint.analysis.data_loading import build_data_loading_facts
from nnlint.analysis.exports import Joined, Returned
from nnlint.analysis.freezing import build_freezing_facts
from nnlint.analysis.facts import FileFacts
from nnlint.analysis.initialization import build_initialization_facts
from nnlint.analysis.interpreter import Interpreter
from nnlint.analysis.layer_usage import build_layer_usage_facts
from nnlint.analysis.paths import build_path_facts
from nnlint.analysis.seeding import build_seeding_facts
from nnlint.analysis.summary import add_pipelines
from nnlint.analysis.target_preparation import build_target_preparation_facts
from nnlint.analysis.syntax import forget_walks
from nnlint.analysis.training import build_training_facts
from nnlint.catalogue.names import is_test_path

FactBuilder = Callable[[FileFacts], None]

_BUILDERS: list[FactBuilder] = [
    build_path_facts,
    build_architecture_facts,
    build_initialization_facts,
    build_training_facts,
    build_distributed_facts,  # reads the training loops
    build_freezing_facts,  # reads the optimizer constructions
    build_layer_usage_facts,
    build_data_loading_facts,
    build_seeding_facts,
    build_target_preparation_facts,
]


def analyze(module: cst.Module, path: str, externals: Optional[Mapping[str, Returned]] = None,
            external_modes: Optional[Mapping[str, bool]] = None, test_code: Optional[bool] = None,
            joined: Optional[Joined] = None) -> FileFacts:
    """The facts of one parsed file. Code nested deeply enough to exhaust the recursion limit
    yields the facts gathered so far rather than an error: a linter must not crash.

    `externals` are the models of other project files this one imports, by qualified
    name, as the project join resolved them (`nnlint.project`); `external_modes` says which of
    them have dropout or batch-norm. `test_code` says the file is test code (the project run
    knows the path below the project root); when not given only the file's name is judged.
    `joined` is the rest of the join: other files' loss wrappers and training pipelines."""
    try:
        test_code = is_test_path((PurePath(path).name,)) if test_code is None else test_code
        return _analyze(module, path, externals, external_modes, test_code, joined or {})
    finally:
        forget_walks()


def _analyze(module: cst.Module, path: str, externals: Optional[Mapping[str, Returned]],
             external_modes: Optional[Mapping[str, bool]], test_code: bool, joined: Joined) -> FileFacts:
    interpreter = Interpreter(module, path, externals, joined.get("losses"))
    try:
        facts = interpreter.run()
    except RecursionError:
        facts = interpreter.partial_facts()
    facts.external_modes = dict(external_modes or {})
    facts.external_pipelines = list(joined.get("pipelines", ()))
    facts.test_code = test_code  # before the builders: the seeding facts read it
    for build in _BUILDERS:
        try:
            build(facts)
        except RecursionError:
            continue
    if facts.exports is not None and facts.paths is not None:
        facts.exports.modes = dict(facts.paths.class_modes)
        add_pipelines(facts.exports, facts.paths)
    return facts


__all__ = ["FileFacts", "analyze"]
