"""Context managers that set a model's mode for a `with` block: `with eval_mode(net):`.

A library's are catalogue data (`catalogue.ecosystem.MODE_CONTEXTS`: MONAI's `eval_mode` /
`train_mode`). A project's own are learnt from their body when the file defines them: a
generator function decorated with `@contextmanager` whose code up to its `yield` calls
`.eval()` (or `.train(False)`) sets eval mode, one that calls `.train()` sets train mode,
and a `yield` inside `with torch.no_grad():` / `inference_mode()` turns gradients off too.
What happens after the `yield` (the `finally:` putting the old mode back) is the exit.

Read by the scope walk (`nnlint.analysis.paths.scopes`), which turns `with ctx(model):` into
a mode switch of `model` before the block, no_grad inside it when the manager says so, and
a switch back to a mode chosen at run time after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import libcst as cst

from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.paths.facts import EVAL_SWITCH, TRAIN_SWITCH
from nnlint.catalogue.ecosystem import CONTEXT_MANAGER_DECORATORS, MODE_CONTEXTS
from nnlint.catalogue.functions import NO_GRAD_CONTEXTS


@dataclass(frozen=True)
class ModeContext:
    mode: str        # EVAL_SWITCH or TRAIN_SWITCH
    no_grad: bool    # the block also runs without gradients


_CATALOGUE_MODES = {"eval": EVAL_SWITCH, "train": TRAIN_SWITCH}


def library_mode_context(qualified: Optional[str]) -> Optional[ModeContext]:
    known = MODE_CONTEXTS.get(qualified or "")
    if known is None:
        return None
    mode, no_grad = known
    return ModeContext(_CATALOGUE_MODES[mode], no_grad)


def learn_mode_context(function: cst.FunctionDef, aliases: dict[str, str]) -> Optional[ModeContext]:
    """What a `@contextmanager` function of the file does to the mode of what it is given,
    or None when it is not a context manager or switches no mode before its `yield`."""
    if not any((qualified_name(_decorator_callee(d.decorator), aliases) or "") in CONTEXT_MANAGER_DECORATORS
               for d in function.decorators):
        return None
    reader = _EntryReader(aliases)
    function.body.visit(reader)
    if reader.mode is None:
        return None
    return ModeContext(reader.mode, reader.no_grad)


def _decorator_callee(node: cst.BaseExpression) -> cst.BaseExpression:
    return node.func if type(node) is cst.Call else node


class _EntryReader(cst.CSTVisitor):
    """The last mode switch up to the end of the first `yield`, and whether that `yield`
    sits in a no-grad block. Nested functions are not the manager's own code."""

    def __init__(self, aliases: dict[str, str]) -> None:
        self.aliases = aliases
        self.mode: Optional[str] = None
        self.no_grad = False
        self._yielded = False
        self._no_grad_depth = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_With(self, node: cst.With) -> None:
        if self._disables_grad(node):
            self._no_grad_depth += 1

    def leave_With(self, original_node: cst.With) -> None:
        if self._disables_grad(original_node):
            self._no_grad_depth -= 1

    def _disables_grad(self, node: cst.With) -> bool:
        return any(type(item.item) is cst.Call
                   and (qualified_name(item.item.func, self.aliases) or "") in NO_GRAD_CONTEXTS
                   for item in node.items)

    def leave_Call(self, original_node: cst.Call) -> None:
        if self._yielded or type(original_node.func) is not cst.Attribute:
            return
        method = original_node.func.attr.value
        args = original_node.args
        if method == "eval" and not args:
            self.mode = EVAL_SWITCH
        elif method == "train":
            flag = args[0].value if args else None
            if flag is None or (type(flag) is cst.Name and flag.value == "True"):
                self.mode = TRAIN_SWITCH
            elif type(flag) is cst.Name and flag.value == "False":
                self.mode = EVAL_SWITCH

    def leave_Yield(self, original_node: cst.Yield) -> None:
        if not self._yielded:
            self._yielded = True
            self.no_grad = self._no_grad_depth > 0
