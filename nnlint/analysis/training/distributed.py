"""Data-parallel training: the DataLoaders a file builds (and how they sample), its
DistributedSamplers, whether it wraps a model in DistributedDataParallel / FSDP, calls
`set_epoch`, or hands its loaders to a library that shards them (accelerate's `prepare`).

Read by NNL613. One walk over the file's calls, resolving each callee with the import table;
the loops come from the training facts (`nnlint.analysis.training.build`), which run first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import libcst as cst

from nnlint.analysis.facts import FileFacts
from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.program.syntax import argument, nodes_by_type, receiver_name, source_code
from nnlint.analysis.training.facts import BACKWARD, STEP
from nnlint.catalogue.data import (
    DATA_LOADERS,
    DATA_PARALLEL_WRAPPERS,
    DISTRIBUTED_SAMPLERS,
    LOADER_SAMPLERS,
    LOADER_SHARDING_CALLS,
    LOADER_SHUFFLE,
    SAMPLER_RESEED_METHOD,
    SAMPLER_SHUFFLE,
)


@dataclass(eq=False)
class LoaderConstruction:
    node: cst.Call
    bound_to: str                    # the name it is assigned to ("" when passed on directly)
    dataset: str                     # its first argument, as written
    has_sampler: bool                # a `sampler=` / `batch_sampler=` that is not None
    shuffle: Optional[bool]          # a literal `shuffle=`; None when absent or computed


@dataclass(eq=False)
class SamplerConstruction:
    node: cst.Call
    bound_to: str
    shuffles: bool                   # not built with a literal `shuffle=False`


@dataclass(eq=False)
class DistributedFacts:
    loaders: list[LoaderConstruction] = field(default_factory=list)
    samplers: list[SamplerConstruction] = field(default_factory=list)
    # DistributedDataParallel(...) / FullyShardedDataParallel(...) calls.
    wrappers: list[cst.Call] = field(default_factory=list)
    # `x.set_epoch(...)` calls, on any receiver.
    reseeds: list[cst.Call] = field(default_factory=list)
    # Loaders handed to a library that shards them (`accelerator.prepare(loader)`).
    sharded_by_library: bool = False
    # A loop over epochs around a loop with backward()/step() (helpers followed one level).
    has_epoch_loop: bool = False


def build_distributed_facts(facts: FileFacts) -> None:
    """Fill `facts.distributed` from one walk over the file's calls."""
    found = DistributedFacts()
    facts.distributed = found
    index = nodes_by_type(facts.module)
    # A call's assignment comes before it in textual order; the names they bind, by call.
    bound: dict[int, str] = {}
    for node in index.get(cst.Assign, ()):
        if type(node.value) is cst.Call:
            bound[id(node.value)] = receiver_name(node.targets[0].target)
    for node in index.get(cst.AnnAssign, ()):
        if type(node.value) is cst.Call:
            bound[id(node.value)] = receiver_name(node.target)
    for node in index.get(cst.Call, ()):
        func = node.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method == SAMPLER_RESEED_METHOD:
                found.reseeds.append(node)
            elif method in LOADER_SHARDING_CALLS and node.args:
                found.sharded_by_library = True
        qualified = qualified_name(func, facts.imports) or ""
        if qualified in DATA_LOADERS:
            found.loaders.append(_loader(node, bound.get(id(node), "")))
        elif qualified in DISTRIBUTED_SAMPLERS:
            shuffle = argument(node, *SAMPLER_SHUFFLE)
            found.samplers.append(SamplerConstruction(node, bound.get(id(node), ""), _literal(shuffle) is not False))
        elif qualified in DATA_PARALLEL_WRAPPERS:
            found.wrappers.append(node)
    training = facts.training
    if training is not None:
        found.has_epoch_loop = any(event.kind in (BACKWARD, STEP) and len(event.chain) >= 2
                                   for scope in training.scopes for event in scope.events)


def _loader(node: cst.Call, bound_to: str) -> LoaderConstruction:
    dataset = argument(node, 0, "dataset")
    samplers = [argument(node, position, keyword) for position, keyword in LOADER_SAMPLERS]
    has_sampler = any(value is not None and not (isinstance(value, cst.Name) and value.value == "None")
                      for value in samplers)
    has_sampler = has_sampler or any(arg.star for arg in node.args)  # **loader_kwargs may hold one
    return LoaderConstruction(node, bound_to, source_code(dataset) if dataset is not None else "",
                              has_sampler, _literal(argument(node, *LOADER_SHUFFLE)))


def _literal(node: Optional[cst.BaseExpression]) -> Optional[bool]:
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


__all__ = ["DistributedFacts", "LoaderConstruction", "SamplerConstruction", "build_distributed_facts"]
