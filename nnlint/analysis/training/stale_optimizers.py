"""Optimizers left on a model's old parameters (NNL607): an optimizer built from `model`
whose name is afterwards re-bound to a new module (`model = Net()`, `model = deepcopy(...)`)
while the optimizer is still stepped.
"""

from __future__ import annotations

import re
from typing import Optional

import libcst as cst

from nnlint.analysis.facts import FileFacts
from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.program.syntax import first_part, last_part, names_in, receiver_name
from nnlint.analysis.training.events import WalkedFunction
from nnlint.analysis.training.facts import (
    ASSIGN,
    STEP,
    Event,
    OptimizerConstruction,
    Scope,
    StaleOptimizer,
    TrainingFacts,
    compatible,
)

_SAME_MODULE_METHODS = frozenset({"to", "cuda", "cpu", "float", "double", "half", "bfloat16", "train", "eval",
                                  "requires_grad_", "apply", "to_empty"})


def find_stale_optimizers(facts: FileFacts, training: TrainingFacts,
                          functions: list[WalkedFunction]) -> list[StaleOptimizer]:
    """The optimizers of `training` whose model is re-bound before they step again;
    `functions` are the walked functions the scopes came from."""
    return _StaleOptimizerSearch(facts, training, functions).run()


class _StaleOptimizerSearch:
    def __init__(self, facts: FileFacts, training: TrainingFacts, functions: list[WalkedFunction]) -> None:
        self.facts = facts
        self.aliases = facts.imports
        self.training = training
        self.functions = functions

    def run(self) -> list[StaleOptimizer]:
        found: list[StaleOptimizer] = []
        by_node = {id(opt.node): opt for opt in self.training.optimizers}
        steppers = self._functions_stepping()
        for scope in self.training.scopes:
            assigns = [e for e in scope.events if e.kind == ASSIGN and e.via is None]
            for index, event in enumerate(assigns):
                optimizer = by_node.get(id(event.value)) if event.value is not None else None
                if optimizer is None or not optimizer.bound_to:
                    continue
                for model in optimizer.models:
                    stale = self._rebinding_after(scope, assigns, index, optimizer, model, steppers)
                    if stale is not None:
                        found.append(stale)
                        break
        return found

    def _functions_stepping(self) -> dict[str, list[WalkedFunction]]:
        """optimizer name -> module-level functions that call its step()."""
        found: dict[str, list[WalkedFunction]] = {}
        for function in self.functions:
            for event in function.own:
                if event.kind == STEP and event.receiver:
                    found.setdefault(event.receiver, []).append(function)
        return found

    def _rebinding_after(self, scope: Scope, assigns: list[Event], index: int, optimizer: OptimizerConstruction,
                         model: str, steppers: dict[str, list[WalkedFunction]]) -> Optional[StaleOptimizer]:
        construction = assigns[index]
        root = model if "." not in model or model.startswith("self.") else first_part(model)
        for later in assigns[index + 1:]:
            if later.target == optimizer.bound_to and compatible(later, construction):
                return None  # the optimizer is rebuilt
            if later.target != root or not compatible(later, construction):
                continue
            if not self._new_object(later.value, root):
                continue
            use = self._step_after(scope, later, optimizer, steppers)
            if use is None:
                continue
            return StaleOptimizer(optimizer, root, later.node, later.value, use)  # type: ignore[arg-type]
        return None

    def _new_object(self, value: Optional[cst.BaseExpression], root: str) -> bool:
        """A value that is a different module than `root` was: a constructor call not wrapping
        `root` (DataParallel(model), model.to(device) keep the parameters), or a deep copy."""
        # Net(...).to(device), Net().cuda(): the chained call returns the new module itself.
        while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                and isinstance(value.func.value, cst.Call) and value.func.attr.value in _SAME_MODULE_METHODS:
            value = value.func.value
        if not isinstance(value, cst.Call):
            return False
        qualified = qualified_name(value.func, self.aliases) or receiver_name(value.func)
        if qualified in ("copy.deepcopy", "deepcopy", "torch.load"):
            return True
        if not qualified or first_part(receiver_name(value.func)) == first_part(root) or receiver_name(value.func).startswith(root + "."):
            return False
        if any(root in names_in(arg.value) or receiver_name(arg.value) == root for arg in value.args):
            return False
        last = last_part(qualified)
        if last in self.facts.models:
            return True
        if qualified.startswith(("torchvision.models.", "timm.create_model", "torch.nn.")):
            return True
        return last[:1].isupper() and first_part(qualified) not in ("torch",) or \
            bool(re.match(r"(build|create|make|get)_?(model|net|network)", last, re.IGNORECASE))

    def _step_after(self, scope: Scope, rebinding: Event, optimizer: OptimizerConstruction,
                    steppers: dict[str, list[WalkedFunction]]) -> Optional[cst.CSTNode]:
        name = optimizer.bound_to
        started = False
        for event in scope.events:
            if event is rebinding:
                started = True
                continue
            if event.kind == STEP and event.receiver == name and compatible(event, rebinding):
                if started or any(loop in event.chain for loop in rebinding.chain):
                    return event.via or event.node
            if started and event.kind == ASSIGN and event.target == name and event.via is None:
                return None
        if scope.name != "<module>":
            return None
        # Module level: a function stepping the optimizer that the module does not run before
        # the re-binding is run afterwards (by an importer, or a __main__ block).
        for function in steppers.get(name, []):
            if function.name == "<module>" or not isinstance(function.node, cst.FunctionDef):
                continue
            called_before = False
            for event in scope.events:
                if event is rebinding:
                    break
                if event.via is not None and self._calls(event.via, function):
                    called_before = True
                    break
            if not called_before:
                return function.node.name
        return None

    def _calls(self, call: cst.Call, function: WalkedFunction) -> bool:
        func = call.func
        name = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else ""
        return last_part(function.name) == name

