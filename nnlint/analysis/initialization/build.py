"""Facts about how a file creates and initializes its parameters (rules NNL301-NNL304).

Hand-written walks over statements (no libcst visitor, no metadata) find:

- constant initializations of weights, and whether each makes units symmetric
  (`initialization_constant_inits`);
- layers held in plain containers, tensors that should be parameters, and parameters or
  buffers nothing initializes (`initialization_tensors`).

Both read the file's classes and the layers they hold (`initialization_classes`) and how
their methods use `self.X` (`initialization_usage`).
"""

from __future__ import annotations

from nnlint.analysis.facts import FileFacts
from nnlint.analysis.initialization.classes import FileClasses
from nnlint.analysis.initialization.constant_inits import ConstantInitFinder
from nnlint.analysis.initialization.facts import (
    ConstantInit,
    InitializationFacts,
    PlainContainer,
    PlainTensor,
    UninitializedTensor,
)
from nnlint.analysis.initialization.syntax import WEIGHT_LAYERS
from nnlint.analysis.initialization.tensors import SelfTensorFinder


def build_initialization_facts(facts: FileFacts) -> None:
    file = FileClasses(facts)
    result = InitializationFacts()
    finder = ConstantInitFinder(file, facts.external_init_functions)
    result.constant_inits = finder.run()
    result.init_functions = finder.init_functions
    result.applies_imported = finder.applies_imported
    SelfTensorFinder(file, result).run()
    facts.initialization = result


__all__ = [
    "WEIGHT_LAYERS",
    "ConstantInit",
    "InitializationFacts",
    "PlainContainer",
    "PlainTensor",
    "UninitializedTensor",
    "build_initialization_facts",
]
