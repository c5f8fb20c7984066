"""Where an optimization step can happen out of a function's sight (read by NNL603).

A `backward()` with no `step()` in its function is a missing step only when nothing else
steps for it. Three shapes hand the step elsewhere: the function is a closure given to
`optimizer.step(closure)` (LBFGS, Lightning manual optimization); the function's callers pass
the optimizer on to some call that steps it (`trainer.optimize(opt)`); and a function that
never names an optimizer at all (a gradient check, a smoke test of backward) trains nothing.
"""

from __future__ import annotations

from typing import Callable, Iterable

import libcst as cst

from nnlint.analysis.program.syntax import child_nodes, descendants, dotted_name


def step_closures(module: cst.Module) -> set[str]:
    """Names of functions passed to an `X.step(...)` call anywhere in the file."""
    found: set[str] = set()
    for node in descendants(module, stop=()):
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "step":
            found.update(arg.value.value for arg in node.args if isinstance(arg.value, cst.Name))
    return found


def hands_optimizer_on(node: cst.CSTNode, is_optimizer: Callable[[str], bool]) -> bool:
    """A call inside `node` takes an optimizer as an argument (`trainer.optimize(opt)`,
    `accelerator.prepare(model, opt)`): that callee may step it."""
    for child in child_nodes(node):
        for inner in descendants(child):
            if isinstance(inner, cst.Call):
                for arg in inner.args:
                    name = dotted_name(arg.value)
                    if name is not None and is_optimizer(name):
                        return True
    return False


def mentions(node: cst.CSTNode, names: Iterable[str]) -> bool:
    """`node`'s code reads one of `names` (an optimizer built elsewhere in the file)."""
    wanted = set(names)
    if not wanted:
        return False
    for child in child_nodes(node):
        for inner in descendants(child):
            if isinstance(inner, cst.Name) and inner.value in wanted:
                return True
    return False
