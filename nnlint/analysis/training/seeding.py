"""Whether a training script seeds its random number generators.

Read by NNL612 (opt-in). A file starts a training run when, outside any class and any test
function (and, in a file without a main guard, at module level), it builds an optimizer or
calls `fit` on a Lightning `Trainer`; it is seeded when any call in it is a seeding function
of the catalogue or is named like one (`set_seed`, `seed_everything`, a project's own
`init_seeds` imported from another file), when a call gets a `seed=` argument, or when it
binds a variable named `seed`. Test files are not runs.

A run with nothing to repeat needs no seed: a minimal API example that trains for a few
epochs and prints its loss, a toy that shows how a sampler batches. The file has a result when
it keeps or evaluates the model (a call of catalogue RESULT_CALLS: `torch.save`, `save_image`,
`model.eval()`, `trainer.test`, `evaluate(...)`), computes a metric (a name whose words are in
METRIC_WORDS: `acc`, `num_correct`, `f1_score`, `Evaluator`) or defines an evaluation function
(`def evaluate`, `validation_step`); only then is an unseeded run reported.
"""

from __future__ import annotations

from typing import Optional

import re

import libcst as cst

from nnlint.analysis.facts import FileFacts
from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.program.syntax import child_nodes, dotted_name, is_main_guard, last_part, nodes_by_type
from nnlint.catalogue.names import (EVAL_FUNCTION, METRIC_WORDS, RESULT_CALLS, RUN_STARTERS, SEED_FUNCTION,
                                    SEED_NAME, SEEDING_FUNCTIONS, TEST_FUNCTION)

_WORD_BOUNDARY = re.compile(r"_+|(?<=[a-z0-9])(?=[A-Z])")


def _words(name: str) -> set[str]:
    return {word.lower() for word in _WORD_BOUNDARY.split(name) if word}


def _has_result(index: dict[type, list[cst.CSTNode]]) -> bool:
    """The file keeps or evaluates what it trains (see the module docstring)."""
    for node in index.get(cst.Call, ()):
        func = node.func
        last = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        if last in RESULT_CALLS or _words(last) & METRIC_WORDS:
            return True
    for node in index.get(cst.FunctionDef, ()):
        if EVAL_FUNCTION.search(node.name.value):
            return True
    for kind in (cst.AssignTarget, cst.AugAssign):
        for node in index.get(kind, ()):
            target = node.target
            names = [target] if isinstance(target, cst.Name) else \
                [element.value for element in target.elements] if isinstance(target, (cst.Tuple, cst.List)) else []
            if any(isinstance(name, cst.Name) and _words(name.value) & METRIC_WORDS for name in names):
                return True
    return False


def _seeds(node: cst.CSTNode, aliases: dict[str, str]) -> bool:
    """A seeding call, a `seed=` argument (`TrainingArguments(seed=42)`) or a variable named
    `seed` (a config module whose runner seeds from it)."""
    if isinstance(node, cst.Call):
        if qualified_name(node.func, aliases) in SEEDING_FUNCTIONS:
            return True
        name = dotted_name(node.func) or ""
        return bool(name) and bool(SEED_FUNCTION.search(last_part(name)))
    if isinstance(node, cst.Arg):
        return node.keyword is not None and bool(SEED_NAME.search(node.keyword.value))
    if isinstance(node, cst.AssignTarget):
        return isinstance(node.target, cst.Name) and bool(SEED_NAME.search(node.target.value))
    return False


def _trainer_names(index: dict[type, list[cst.CSTNode]], in_class: set[int],
                   aliases: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """Variables bound outside classes to a Trainer whose run nothing seeds: name -> the
    methods that start it."""
    found: dict[str, tuple[str, ...]] = {}
    for node in index.get(cst.Assign, ()):
        if isinstance(node.value, cst.Call) and id(node) not in in_class:
            methods = RUN_STARTERS.get(qualified_name(node.value.func, aliases) or "")
            if methods:
                for target in node.targets:
                    if isinstance(target.target, cst.Name):
                        found[target.target.value] = methods
    return found


def _contexts(module: cst.Module, functions_excluded: bool) -> tuple[set[int], set[int]]:
    """Ids of the nodes inside classes (the class included), and of the nodes that are no run:
    inside classes or test functions, or, with `functions_excluded`, inside any function.
    One walk, each node's context passed down from its parent."""
    in_class: set[int] = set()
    excluded: set[int] = set()
    pending: list[tuple[cst.CSTNode, bool, bool]] = [(module, False, False)]
    while pending:
        node, classed, out = pending.pop()
        kind = type(node)
        if kind is cst.ClassDef:
            classed = out = True
        elif kind is cst.FunctionDef and (functions_excluded or TEST_FUNCTION.search(node.name.value)):
            out = True
        if classed:
            in_class.add(id(node))
        if out:
            excluded.add(id(node))
        pending.extend((child, classed, out) for child in child_nodes(node))
    return in_class, excluded


def build_seeding_facts(facts: FileFacts) -> None:
    """Fill `facts.unseeded_run`: where the file starts training without seeding, if it does."""
    aliases = facts.imports
    if facts.test_code:
        return
    if not any(full.startswith(("torch", "lightning", "pytorch_lightning")) for full in aliases.values()):
        return
    module = facts.module
    optimizers = facts.training.optimizers if facts.training is not None else []
    index = nodes_by_type(module)
    may_train = bool(optimizers) or any(
        isinstance(node.value, cst.Call) and qualified_name(node.value.func, aliases) in RUN_STARTERS
        for node in index.get(cst.Assign, ()))
    if not may_train:  # nothing starts a run: nothing to seed
        return
    # Classes build models (their optimizers are configure_optimizers' business), and tests
    # train fixtures; neither is a run. Without a main guard, a function that trains is a
    # library's (its caller seeds).
    main_guarded = any(isinstance(node, cst.If) and is_main_guard(node.test) for node in module.body)
    in_class, excluded = _contexts(module, functions_excluded=not main_guarded)
    if any(_seeds(node, aliases) for kind in (cst.Call, cst.Arg, cst.AssignTarget) for node in index.get(kind, ())):
        return
    if not _has_result(index):
        return  # nothing kept, evaluated or measured: nothing a second run must repeat
    start: Optional[cst.CSTNode] = None
    for optimizer in optimizers:
        if id(optimizer.node) not in excluded:
            start = optimizer.node
            break
    if start is None:
        trainers = _trainer_names(index, in_class, aliases)
        for node in index.get(cst.Call, ()):
            if (id(node) not in excluded and isinstance(node.func, cst.Attribute)
                    and isinstance(node.func.value, cst.Name)
                    and node.func.attr.value in trainers.get(node.func.value.value, ())):
                start = node
                break
    facts.unseeded_run = start
