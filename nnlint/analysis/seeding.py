"""Whether a training script seeds its random number generators.

Read by NNL612 (opt-in). A file starts a training run when, outside any class and any test
function (and, in a file without a main guard, at module level), it builds an optimizer or
calls `fit` on a Lightning `Trainer`; it is seeded when any call in it is a seeding function
of the catalogue or is named like one (`set_seed`, `seed_everything`, a project's own
`init_seeds` imported from another file), when a call gets a `seed=` argument, or when it
binds a variable named `seed`. Test files are not runs.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from nnlint.analysis.facts import FileFacts
from nnlint.analysis.imports import qualified_name
from nnlint.analysis.syntax import descendants, dotted_name, is_main_guard, last_part
from nnlint.catalogue.names import (RUN_STARTERS, SEED_FUNCTION, SEED_NAME, SEEDING_FUNCTIONS, TEST_FUNCTION)


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


def _trainer_names(module: cst.Module, aliases: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """Variables bound to a Trainer whose run nothing seeds: name -> the methods that start it."""
    found: dict[str, tuple[str, ...]] = {}
    for node in descendants(module, stop=(cst.ClassDef,)):
        if isinstance(node, cst.Assign) and isinstance(node.value, cst.Call):
            methods = RUN_STARTERS.get(qualified_name(node.value.func, aliases) or "")
            if methods:
                for target in node.targets:
                    if isinstance(target.target, cst.Name):
                        found[target.target.value] = methods
    return found


def _ids_under(module: cst.Module, picks) -> set[int]:
    found: set[int] = set()
    for node in descendants(module, stop=()):
        if picks(node):
            found.update(id(inner) for inner in descendants(node, stop=()))
    return found


def build_seeding_facts(facts: FileFacts) -> None:
    """Fill `facts.unseeded_run`: where the file starts training without seeding, if it does."""
    aliases = facts.imports
    if facts.test_code:
        return
    if not any(full.startswith(("torch", "lightning", "pytorch_lightning")) for full in aliases.values()):
        return
    module = facts.module
    # Classes build models (their optimizers are configure_optimizers' business), and tests
    # train fixtures; neither is a run.
    excluded = _ids_under(module, lambda node: isinstance(node, cst.ClassDef) or (
        isinstance(node, cst.FunctionDef) and bool(TEST_FUNCTION.search(node.name.value))))
    # Without a main guard, a function that trains is a library's (its caller seeds).
    if not any(isinstance(node, cst.If) and is_main_guard(node.test) for node in module.body):
        excluded |= _ids_under(module, lambda node: isinstance(node, cst.FunctionDef))
    start: Optional[cst.CSTNode] = None
    for optimizer in facts.training.optimizers if facts.training is not None else ():
        if id(optimizer.node) not in excluded:
            start = optimizer.node
            break
    trainers = _trainer_names(module, aliases)
    for node in descendants(module, stop=()):
        if _seeds(node, aliases):
            return
        if (start is None and isinstance(node, cst.Call) and id(node) not in excluded
                and isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name)
                and node.func.attr.value in trainers.get(node.func.value.value, ())):
            start = node
    facts.unseeded_run = start
