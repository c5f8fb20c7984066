"""Layer sequences: which layers a model applies one after another, and what kind each is.

Read by the architecture rules (NNL401, NNL402). The builder is a small evaluator over
statements, written by hand rather than with libcst's visitor (see `nnlint.analysis`):

- `__init__` bodies (and the helper functions and methods they call) are evaluated with
  literal values where the code has them: `nn.Sequential(...)` with literal arguments,
  `*layers` built by `.append`/`+=`/`.extend` and list comprehensions, `OrderedDict`,
  `add_module`, and VGG-style `make_layers(cfg)` loops over a literal configuration are
  unrolled. A loop over something unknown is evaluated twice (the second copy's steps are
  marked `repeated`); a branch whose condition is unknown becomes one `conditional` step.
- `forward` is evaluated as data flow: each tensor carries the chain of steps applied to it
  since an input; `self.fc2(self.fc1(x))`, `x = self.fc1(x); x = self.fc2(x)`, Sequential
  attributes and local module classes are expanded. Adding or concatenating two tensors
  derived from the same input is a skip connection.

Every step records the *container* it was written in (one `nn.Sequential` call or one
`forward`), so that a rule can tell two layers written next to each other from two parts
composed by a parent model (an encoder's last layer and a decoder's first).

The builder is assembled from four parts, one module each: `layer_statements` and
`layer_expressions` (the evaluator), `layer_constructions` (calls that build layers and
Sequentials) and `forward_flow` (tensors through `forward`); `layer_kinds` sorts torch
names into step kinds and `layer_values` holds the values they compute with.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Optional

import libcst as cst

from nnlint.analysis.facts import FileFacts
from nnlint.analysis.architecture.forward_flow import ForwardFlow
from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.architecture.constructions import SEQUENTIAL, ConstructionReader
from nnlint.analysis.architecture.expressions import ExpressionEvaluator
from nnlint.analysis.architecture.kinds import (ACTIVATION, DROPOUT, MERGE, NORM, OTHER, POOL, RESHAPE, UNKNOWN, WEIGHT,
                                         LayerStep, module_kind)
from nnlint.analysis.architecture.statements import StatementEvaluator
from nnlint.analysis.architecture.values import (EVAL_BUDGET, MAX_UNROLL, Chain, ClassInfo, Layer, OutOfBudget, Seq,
                                          SelfValue, Value)
from nnlint.analysis.program.syntax import dotted_name

__all__ = ["ACTIVATION", "DROPOUT", "MERGE", "NORM", "OTHER", "POOL", "RESHAPE", "UNKNOWN", "WEIGHT",
           "ArchitectureFacts", "LayerSequence", "LayerStep", "build_architecture_facts"]


@dataclass(eq=False)
class LayerSequence:
    """Layers applied one after another: an `nn.Sequential`, or one path through a forward.

    `root` is False when the sequence is expanded inside a larger one (a Sequential held
    by a model whose forward applies it), so that a rule about the whole model reports
    once. `exact` is False when a loop with an unknown trip count contributed steps.
    """

    origin: str  # "Sequential" or "forward"
    owner: Optional[str]
    node: cst.CSTNode
    steps: tuple[LayerStep, ...]
    has_skip: bool = False
    root: bool = True
    exact: bool = True


@dataclass(eq=False)
class ArchitectureFacts:
    sequences: list[LayerSequence] = field(default_factory=list)
    # The file initialises weights with He (Kaiming) or orthogonal init, which lets plain
    # networks of twenty-odd layers train (He et al., 2015).
    he_initialized: bool = False


class ArchitectureBuilder(ForwardFlow, ConstructionReader, ExpressionEvaluator, StatementEvaluator):
    """Evaluates one file's model classes and functions into layer sequences."""

    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts
        self.aliases = facts.imports
        self.functions: dict[str, cst.FunctionDef] = {}
        self.constants: dict[str, Value] = {}
        self.classes: dict[str, ClassInfo] = {}
        self.sequentials: list[Seq] = []
        self.container_ids = itertools.count(1)
        self.depth = 0
        self.repeating = False
        self.unroll_budget = MAX_UNROLL * 8
        self.inlined_nodes: set[int] = set()
        self.chains: list[Chain] = []
        # Tensors (chains) exist from the first `forward` on: before, no call has one to read.
        self.forward_phase = False
        self.current_container = 0
        self.forward_skip = False
        self.he_initialized = False
        self.budget = EVAL_BUDGET
        # Changes to values a call may share with its caller or a later call (`self`
        # attributes, Sequentials, file flags), also reads of mutable module values, identity
        # tests and unrolls refused for want of budget: a call during which this count stays
        # the same can be replayed from `call_memo` (see `StatementEvaluator._call_function`).
        self.effects = 0
        self.call_memo: dict[tuple, tuple[int, int]] = {}
        self.constant_ids: frozenset[int] = frozenset()

    def run(self) -> ArchitectureFacts:
        body = self.facts.module.body
        for statement in body:
            if isinstance(statement, cst.FunctionDef):
                self.functions[statement.name.value] = statement
            elif isinstance(statement, cst.ClassDef):
                self._register_class(statement)
        env: dict[str, Value] = {}
        self._exec_block(body, env, module_level=True)
        self.constants = env
        # Calls made at module level saw no module values; later calls see these.
        self.call_memo.clear()
        self.constant_ids = frozenset(id(value) for value in env.values())
        for info in self.classes.values():
            self._evaluate_class(info)
        for function in self.functions.values():
            self._call_function(function, [], {}, standalone=True)
        for info in self.classes.values():
            for name, method in info.methods.items():
                if name not in ("__init__", "forward"):
                    self._call_function(method, [], {}, standalone=True, bound_self=SelfValue(ClassInfo(
                        info.name, info.node, info.methods, info.is_sequential)))
        for info in self.classes.values():
            if info.forward_paths is None:
                self._forward(info)
        return self._facts()

    def _register_class(self, node: cst.ClassDef) -> None:
        methods = {}
        for statement in node.body.body:
            if isinstance(statement, cst.FunctionDef):
                methods[statement.name.value] = statement
        bases = [qualified_name(arg.value, self.aliases) or dotted_name(arg.value) or "" for arg in node.bases]
        is_sequential = any(base == SEQUENTIAL or base in self.classes and self.classes[base].is_sequential
                            for base in bases)
        if is_sequential or "forward" in methods or "__init__" in methods:
            info = ClassInfo(node.name.value, node, methods, is_sequential)
            self._inherit_layers(info, bases)
            self.classes[node.name.value] = info

    def _inherit_layers(self, info: ClassInfo, bases: list[str]) -> None:
        """The torch layers a base class of another project file builds (the project join's
        `torch_layers`), as attributes the subclass's own `__init__` may replace: its
        `forward` applying `self.fc1` and `self.fc2` is then a stack of two Linear layers, as
        with the base written in this file. A layer is placed where the subclass applies it."""
        for base in bases:
            for attribute, layer in self.facts.external_bases.get(base, {}).get("torch_layers", {}).items():
                known = module_kind(layer)
                if known is None or attribute in info.attrs:
                    continue
                kind, linear = known
                info.attrs[attribute] = Layer(LayerStep(kind, info.node.name, layer.rsplit(".", 1)[-1], 0,
                                                        linear=linear))

    def _evaluate_class(self, info: ClassInfo) -> None:
        if info.evaluated:
            return
        info.evaluated = True
        init = info.methods.get("__init__")
        if info.is_sequential:
            info.items = []
        if init is not None:
            self._call_function(init, [], {}, standalone=True, bound_self=SelfValue(info))

    def _facts(self) -> ArchitectureFacts:
        sequences: list[LayerSequence] = []
        used_classes = {name for name, info in self.classes.items() if info.used}
        for info in self.classes.values():
            if info.forward_paths:
                root = info.name not in used_classes
                for steps in info.forward_paths:
                    sequences.append(LayerSequence("forward", info.name, info.node.name, steps,
                                                   has_skip=info.forward_skip, root=root,
                                                   exact=True))
            elif info.is_sequential and info.items:
                steps = tuple(self._seq_steps(Seq(info.node, info.items), set()))
                sequences.append(LayerSequence("Sequential", info.name, info.node.name, steps,
                                               root=info.name not in used_classes))
        seen_nodes: set[int] = set()
        all_steps = [tuple(self._seq_steps(seq, set())) for seq in self.sequentials]
        for seq, steps in zip(self.sequentials, all_steps):
            key = id(seq.node)
            root = not seq.inlined and key not in self.inlined_nodes and key not in seen_nodes
            seen_nodes.add(key)
            sequences.append(LayerSequence("Sequential", None, seq.node, steps,
                                           has_skip=any(s.skip for s in steps), root=root,
                                           exact=seq.exact and not any(s.repeated for s in steps)))
        return ArchitectureFacts(sequences, self.he_initialized)



def build_architecture_facts(facts: FileFacts) -> None:
    """Fill `facts.architecture` with the layer sequences of the file."""
    try:
        facts.architecture = ArchitectureBuilder(facts).run()
    except OutOfBudget:
        facts.architecture = ArchitectureFacts()
