"""What nnlint knows about how a file creates and initializes its parameters (NNL301-NNL304).

Built by `nnlint.analysis.initialization.build.build_initialization_facts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import libcst as cst


@dataclass(frozen=True, eq=False)
class ConstantInit:
    """A weight set to one constant value.

    `layer` is the torch class short name (`Linear`) or `Parameter` for a raw matrix;
    `symmetric_with` holds the other constant inits that make the units symmetric (empty
    when the init is a lone, deliberate one); `every_layer` is set for a loop or `apply`
    function setting every layer of a type.
    """

    node: cst.CSTNode
    target: str
    layer: str
    value: str  # "zero", "one", "constant"
    symmetric: bool = False
    symmetric_with: tuple[cst.CSTNode, ...] = ()
    every_layer: bool = False
    # Why the units are symmetric: "adjacent" (the next/previous layer of its Sequential is
    # constant too), "all" (every weight matrix of its class is), "every-layer" (a loop).
    reason: str = ""
    # For an init function of another project file applied here (`model.apply(init_weights)`):
    # where it sets the constant ("init_utils.py:6"); `node` is the apply call.
    origin: str = ""


@dataclass(frozen=True, eq=False)
class PlainContainer:
    """`self.layers = [nn.Linear(...), ...]`: layers in a container nn.Module does not see."""

    node: cst.CSTNode  # the list/tuple/dict expression (or the name holding it)
    attribute: str
    kind: str  # "list", "tuple", "dict"
    element: str  # short name of one element's class, e.g. "Linear"
    parameters: bool  # elements are nn.Parameter rather than modules
    model: str


@dataclass(frozen=True, eq=False)
class PlainTensor:
    """`self.W = torch.randn(a, b)` in `__init__`, later used as a matmul/linear operand; or
    `self.W = nn.Parameter(...).cuda()`, a plain copy of a Parameter, however it is used."""

    node: cst.CSTNode  # the factory call (the nn.Parameter call for a copy)
    attribute: str
    factory: str  # as spelled
    use: Optional[cst.CSTNode]  # where it is used as a weight; None when not seen
    model: str
    # `nn.Parameter(...).cuda()`: the operation that turned the Parameter into a plain copy.
    copied_by: Optional[str] = None


@dataclass(frozen=True, eq=False)
class UninitializedTensor:
    """`nn.Parameter(torch.Tensor(a, b))` / a buffer from `torch.empty` never initialized."""

    node: cst.CSTNode  # the factory call
    attribute: str
    factory: str  # as spelled
    kind: str  # "parameter" or "buffer"
    model: str


@dataclass(eq=False)
class InitializationFacts:
    constant_inits: list[ConstantInit] = field(default_factory=list)
    plain_containers: list[PlainContainer] = field(default_factory=list)
    plain_tensors: list[PlainTensor] = field(default_factory=list)
    uninitialized: list[UninitializedTensor] = field(default_factory=list)
    # Top-level functions setting every layer of a type to a constant (`def init_weights(m):
    # if isinstance(m, nn.Linear): nn.init.zeros_(m.weight)`) that this file never applies to
    # a model of its own: what another file's `model.apply(init_weights)` makes symmetric.
    # name -> (the init call, {"types", "layer", "value", "target"})
    init_functions: dict[str, tuple[cst.CSTNode, dict]] = field(default_factory=dict)
    # The file calls `.apply(f)` with `f` imported from another module.
    applies_imported: bool = False
