"""What a file's path facts add to its summary (`ModuleExports`, read by other files'
checks): its training pipelines, and whether the file trains a model at all."""

from __future__ import annotations

from nnlint.analysis.paths.facts import TRAIN, PathFacts
from nnlint.analysis.program.exports import ModuleExports


def add_pipelines(exports: ModuleExports, paths: PathFacts) -> None:
    """`exports.pipelines` (the training pipelines) and `exports.trains`."""
    exports.trains = any(scope.role == TRAIN for scope in paths.scopes)
    pre = paths.preprocessing
    if pre is None:
        return
    for pipeline in pre.pipelines:
        if pipeline.role != TRAIN:
            continue
        normalizes = pipeline.normalizes
        exports.pipelines.append({
            "name": pipeline.bound_to, "normalizes": bool(normalizes), "fully_known": pipeline.fully_known,
            "to_tensor": pipeline.to_tensor,
        })
        exports.pipeline_nodes.append(normalizes[0].node if normalizes else pipeline.node)
