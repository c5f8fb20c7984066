"""The events of the training facts: a walk over the statements of every function, method
and the module's top-level code, in textual order.

Each event (`backward()`, `optimizer.step()`, `zero_grad()`, gradient reads, `x += loss`
accumulations, assignments) carries the loops around it and the `if`/`try` arms it sits in.
A call of a function or method of the same file (`train_step(...)`, `self.update(...)`, a
closure passed to `step(closure)`) inserts that helper's own events at the call, one level
deep, so a loop whose step lives in a helper is still seen whole. Optimizer and scheduler
constructions met on the way are recorded by `nnlint.analysis.training.optimizers`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Optional, Sequence

import libcst as cst

from nnlint.analysis.facts import FileFacts
from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.training.optimizers import Constructions, numeric_constants
from nnlint.analysis.program.syntax import (
    argument,
    descendants,
    iter_calls,
    last_part,
    names_in,
    nodes_by_type,
    number_value,
    receiver_name,
    source_code,
    statement_bodies,
)
from nnlint.analysis.training.facts import (
    ACCUMULATE,
    ASSIGN,
    BACKWARD,
    GRAD_READ,
    LOSS,
    OTHER_UPDATE,
    STEP,
    ZERO_GRAD,
    Branch,
    Event,
    ForwardCall,
    Scope,
    TrainingFacts,
    TrainingLoop,
)
from nnlint.catalogue.functions import NO_GRAD_CONTEXTS
from nnlint.catalogue.names import LOSS_CALLEE, LOSS_NAME

_UPDATE_CALL = re.compile(r"optim|update|step", re.IGNORECASE)
# Module-level blocks whose definitions are the module's (`if TYPE_CHECKING:`, `try:`).
_MODULE_BLOCKS = frozenset({cst.If, cst.Try, cst.With, cst.For, cst.While})


@dataclass(eq=False)
class WalkedFunction:
    """A function, method or the module's top-level code, with the events of its own
    statements (before its helpers' events are inserted)."""

    name: str
    node: cst.CSTNode
    body: Sequence[cst.CSTNode]
    cls: Optional[str]
    own: list[Event] = field(default_factory=list)
    loops: list[TrainingLoop] = field(default_factory=list)
    # Helper calls: (position in `own`, call node, function name resolved, chain, branches, no_grad).
    calls: list[tuple[int, cst.Call, "WalkedFunction", tuple, tuple, bool]] = field(default_factory=list)


class EventWalker:
    """Walks every function of one file into a training scope; `functions` keeps each
    function's own events for the NNL607 search."""

    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts
        self.aliases = facts.imports
        self.functions: list[WalkedFunction] = []
        self.module_functions: dict[str, WalkedFunction] = {}
        self.methods: dict[tuple[str, str], WalkedFunction] = {}
        self.nested: dict[int, dict[str, WalkedFunction]] = {}  # id(parent function node) -> nested defs
        self.constructions = Constructions(numeric_constants(facts.module.body), facts.optimizer_lrs,
                                          facts.external_constructions)
        self.forward_calls: list[ForwardCall] = []
        # The events `_insert_helper` hands on from each helper, by id() of its WalkedFunction.
        self._handed_on: dict[int, list[Event]] = {}
        # `_callee_words` of each name called (names, not nodes: nothing to go stale).
        self._words: dict[str, tuple[bool, bool]] = {}
        # Every node `_scan` acts on is a call: the file holds no `.grad` and no lambda (whose
        # calls `iter_calls` does not return).
        index = nodes_by_type(facts.module)
        self.calls_only = not index.get(cst.Lambda) and not any(
            node.attr.value == "grad" for node in index.get(cst.Attribute, ()))

    def run(self) -> TrainingFacts:
        module = self.facts.module
        top = WalkedFunction("<module>", module, module.body, None)
        self.functions.append(top)
        self._collect_definitions(module.body, None, top)
        for function in self.functions:
            self._walk_block(function, function.body, (), (), False)
        scopes = [self._expand(function) for function in self.functions]
        training = TrainingFacts(scopes, self.constructions.optimizers, self.constructions.schedulers,
                                 self.forward_calls)
        training.parameter_efficient_models = set(self.constructions.parameter_efficient_models)
        return training

    def _collect_definitions(self, body: Sequence[cst.CSTNode], cls: Optional[str], parent: WalkedFunction) -> None:
        for statement in body:
            kind = type(statement)  # exact classes: isinstance against libcst's ABCs is slow
            if kind is cst.FunctionDef:
                name = statement.name.value
                function = WalkedFunction(f"{cls}.{name}" if cls else name, statement, statement.body.body, cls)
                self.functions.append(function)
                if cls is not None:
                    self.methods[(cls, name)] = function
                elif parent.name == "<module>":
                    self.module_functions[name] = function
                else:
                    self.nested.setdefault(id(parent.node), {})[name] = function
                self._collect_definitions(function.body, None, function)
            elif kind is cst.ClassDef:
                self._collect_definitions(statement.body.body, statement.name.value, parent)
            elif kind in _MODULE_BLOCKS and parent.name == "<module>":
                for block in statement_bodies(statement):
                    self._collect_definitions(block, cls, parent)

    # ---------------------------------------------------------------- walking one function
    def _walk_block(self, function: WalkedFunction, body: Sequence[cst.CSTNode], chain: tuple,
                    branches: tuple, no_grad: bool) -> None:
        for statement in body:
            self._walk_statement(function, statement, chain, branches, no_grad)

    def _walk_statement(self, function: WalkedFunction, statement: cst.CSTNode, chain: tuple,
                        branches: tuple, no_grad: bool) -> None:
        kind = type(statement)  # exact classes: isinstance against libcst's ABCs is slow
        if kind is cst.SimpleStatementLine:
            for small in statement.body:
                self._walk_small(function, small, chain, branches, no_grad)
            return
        if kind is cst.FunctionDef or kind is cst.ClassDef:
            return
        depth = len(chain)
        if kind is cst.If:
            self._scan(function, statement.test, chain, branches, no_grad)
            self._walk_block(function, statement.body.body, chain,
                             branches + (Branch(id(statement), 0, depth),), no_grad)
            if statement.orelse is not None:
                inner = branches + (Branch(id(statement), 1, depth),)
                if type(statement.orelse) is cst.If:
                    self._walk_statement(function, statement.orelse, chain, inner, no_grad)
                else:
                    self._walk_block(function, statement.orelse.body.body, chain, inner, no_grad)
        elif kind is cst.For or kind is cst.While:
            parent = next((loop for loop in reversed(function.loops) if chain and loop.node is chain[-1]), None)
            if kind is cst.For:
                self._scan(function, statement.iter, chain, branches, no_grad)
                loop = TrainingLoop(statement, parent, _code(statement.target), _code(statement.iter))
            else:
                self._scan(function, statement.test, chain, branches, no_grad)
                loop = TrainingLoop(statement, parent, "", _code(statement.test))
            function.loops.append(loop)
            self._walk_block(function, statement.body.body, chain + (statement,), branches, no_grad)
            if statement.orelse is not None:
                self._walk_block(function, statement.orelse.body.body, chain, branches, no_grad)
        elif kind is cst.With:
            disables = no_grad
            for item in statement.items:
                self._scan(function, item.item, chain, branches, no_grad)
                name = qualified_name(item.item.func, self.aliases) if isinstance(item.item, cst.Call) else None
                if name in NO_GRAD_CONTEXTS or \
                        name is None and receiver_name(getattr(item.item, "func", None)).endswith("no_grad"):
                    if not (isinstance(item.item, cst.Call) and item.item.args):  # inference_mode(False)
                        disables = True
            self._walk_block(function, statement.body.body, chain, branches, disables)
        elif kind is cst.Try:
            self._walk_block(function, statement.body.body, chain,
                             branches + (Branch(id(statement), 0, depth),), no_grad)
            for index, handler in enumerate(statement.handlers, 1):
                self._walk_block(function, handler.body.body, chain,
                                 branches + (Branch(id(statement), index, depth),), no_grad)
            if statement.orelse is not None:
                self._walk_block(function, statement.orelse.body.body, chain,
                                 branches + (Branch(id(statement), 0, depth),), no_grad)
            if statement.finalbody is not None:
                self._walk_block(function, statement.finalbody.body.body, chain, branches, no_grad)
        elif kind is cst.Match:
            self._scan(function, statement.subject, chain, branches, no_grad)
            for index, case in enumerate(statement.cases):
                self._walk_block(function, case.body.body, chain,
                                 branches + (Branch(id(statement), index, depth),), no_grad)

    def _walk_small(self, function: WalkedFunction, small: cst.BaseSmallStatement, chain: tuple,
                    branches: tuple, no_grad: bool) -> None:
        self._scan(function, small, chain, branches, no_grad)
        here = dict(chain=chain, branches=branches, no_grad=no_grad)
        small_kind = type(small)  # exact classes: isinstance against libcst's ABCs is slow
        if small_kind is cst.AugAssign and type(small.operator) is cst.AddAssign:
            target = receiver_name(small.target)
            if target:
                function.own.append(Event(ACCUMULATE, small, target=target,
                                          names=_kept_names(small.value), value=small.value, **here))
        elif small_kind is cst.Expr and type(small.value) is cst.Call:
            kept = _kept_in_container(small.value)
            if kept is not None:
                function.own.append(Event(ACCUMULATE, small, target=kept[0], names=_kept_names(kept[1]),
                                          value=kept[1], **here))
        elif small_kind is cst.Assign or small_kind is cst.AnnAssign:
            targets = [t.target for t in small.targets] if small_kind is cst.Assign else [small.target]
            value = small.value
            if value is None:
                return
            value_kind = type(value)
            for target_node in targets:
                target_kind = type(target_node)
                if target_kind is cst.Attribute and target_node.attr.value == "grad":
                    # p.grad = None clears a gradient; p.grad = g sets one by hand.
                    kind = ZERO_GRAD if value_kind is cst.Name and value.value == "None" else GRAD_READ
                    function.own.append(Event(kind, small, receiver=receiver_name(target_node.value), **here))
                    continue
                if target_kind is cst.Subscript and _updates_entry(target_node, value):
                    # totals[k] = totals.get(k, 0) + losses[k]: a running total per key.
                    function.own.append(Event(ACCUMULATE, small, target=receiver_name(target_node),
                                              names=_kept_names(value.right), value=value.right, **here))
                    continue
                target = receiver_name(target_node) if target_kind is cst.Name or target_kind is cst.Attribute else ""
                if not target:
                    for element in getattr(target_node, "elements", ()):
                        name = receiver_name(element.value)
                        if name and LOSS_NAME.search(name):
                            function.own.append(Event(LOSS, small, target=name, **here))
                        if name:
                            function.own.append(Event(ASSIGN, small, target=name, value=None, **here))
                    continue
                if value_kind is cst.BinaryOperation and type(value.operator) is cst.Add \
                        and receiver_name(value.left) == target:
                    function.own.append(Event(ACCUMULATE, small, target=target,
                                              names=_bare_tensor_names(value.right), value=value.right, **here))
                # `loss = 0.0`, `dummy_loss = 0.1`: a number bound to a loss name is a running
                # total's start or a placeholder handed to a scheduler, not a loss computed.
                if LOSS_NAME.search(last_part(target)) and number_value(value, {}) is None:
                    function.own.append(Event(LOSS, small, target=target, **here))
                function.own.append(Event(ASSIGN, small, target=target, value=value,
                                          names=_bare_tensor_names(value), **here))
                if value_kind is cst.Call:
                    self.constructions.bind(value, target, qualified_name(value.func, self.aliases)
                                            or self.facts.resolved_callees.get(value))

    def _scan(self, function: WalkedFunction, node: cst.CSTNode, chain: tuple, branches: tuple, no_grad: bool) -> None:
        """Record the calls and gradient reads of an expression or small statement."""
        here = dict(chain=chain, branches=branches, no_grad=no_grad)
        # A file without lambdas and gradient reads has nothing to record here but the calls,
        # which the walks' memo shares with the path facts (which asked for the same nodes).
        for current in iter_calls(node) if self.calls_only else descendants(node):
            kind = type(current)  # not isinstance: see syntax.descendants
            if kind is cst.Attribute and current.attr.value == "grad":
                function.own.append(Event(GRAD_READ, current, receiver=receiver_name(current.value), **here))
            elif kind is cst.Lambda:
                continue
            if kind is not cst.Call:
                continue
            func = current.func
            qualified = qualified_name(func, self.aliases) or self.facts.resolved_callees.get(current)
            if qualified is not None:
                self.constructions.note(current, qualified)
            func_kind = type(func)
            if func_kind is cst.Attribute:
                method = func.attr.value
                receiver = func.value
                if method in ("backward", "manual_backward") or "backward" in method and _receiver_is_self(receiver):
                    positional = [a.value for a in current.args if a.keyword is None and not a.star]
                    receiver_text = receiver_name(receiver)
                    if method == "manual_backward" or (positional and not LOSS_NAME.search(receiver_text)
                                                        and isinstance(receiver, (cst.Name, cst.Attribute))
                                                        and receiver_text not in ("torch.autograd",)):
                        subject: Optional[cst.CSTNode] = positional[0] if positional else None
                    else:
                        subject = receiver
                    names = names_in(subject) if subject is not None else ()
                    function.own.append(Event(BACKWARD, current, receiver=receiver_text, names=names, **here))
                    if method not in ("backward", "manual_backward"):
                        self._helper_call(function, current, method, function.cls, chain, branches, no_grad)
                    continue
                if "zero_grad" in method or (method in ("zero_", "detach_", "requires_grad_") and
                                             ".grad" in f".{receiver_name(receiver)}" and method != "requires_grad_"):
                    function.own.append(Event(ZERO_GRAD, current, receiver=receiver_name(receiver), **here))
                    continue
                if method == "step" and _receiver_is_self(receiver) and (function.cls, "step") in self.methods:
                    # `self.step(batch)`: the class's own training step, not an optimizer's.
                    self._helper_call(function, current, method, function.cls, chain, branches, no_grad)
                    continue
                if method == "step":
                    receiver_text = receiver_name(receiver)
                    has_args = bool(current.args)
                    if has_args and "scaler" in receiver_text.lower() or receiver_text.endswith("amp"):
                        optimizer = receiver_name(argument(current, 0, "optimizer"))
                        function.own.append(Event(STEP, current, receiver=optimizer, has_args=False, **here))
                        continue
                    function.own.append(Event(STEP, current, receiver=receiver_text, has_args=has_args, **here))
                    closure = argument(current, 0, "closure")
                    if isinstance(closure, cst.Name):
                        self._helper_call(function, current, closure.value, None, chain, branches, no_grad)
                    continue
                if qualified in ("torch.autograd.grad",) or method == "grad" and receiver_name(receiver).endswith("autograd"):
                    function.own.append(Event(GRAD_READ, current, **here))
                    continue
                if method == "forward":
                    self._forward_call(function, current, receiver)
                updates, computes_loss = self._callee_words(method)
                if updates:
                    function.own.append(Event(OTHER_UPDATE, current, receiver=receiver_name(receiver), **here))
                if computes_loss:
                    function.own.append(Event(LOSS, current, **here))
                if type(receiver) is cst.Name and receiver.value == "self" and function.cls is not None:
                    self._helper_call(function, current, method, function.cls, chain, branches, no_grad)
            elif func_kind is cst.Name:
                if "backward" in func.value and qualified != "torch.autograd.backward":
                    function.own.append(Event(BACKWARD, current, **here))  # backward_step(loss, ...)
                    self._helper_call(function, current, func.value, None, chain, branches, no_grad)
                    continue
                if qualified == "torch.autograd.backward":
                    arg = argument(current, 0, "tensors")
                    function.own.append(Event(BACKWARD, current, names=names_in(arg) if arg else (), **here))
                    continue
                if qualified == "torch.autograd.grad":
                    function.own.append(Event(GRAD_READ, current, **here))
                    continue
                updates, computes_loss = self._callee_words(func.value)
                if updates:
                    function.own.append(Event(OTHER_UPDATE, current, **here))
                if computes_loss:
                    function.own.append(Event(LOSS, current, **here))
                self._helper_call(function, current, func.value, None, chain, branches, no_grad)
            if qualified is not None:
                if qualified in ("torch.autograd.backward",):
                    function.own.append(Event(BACKWARD, current, **here))
                elif qualified in ("torch.autograd.grad",):
                    function.own.append(Event(GRAD_READ, current, **here))
                elif LOSS_CALLEE.search(last_part(qualified)) and qualified.startswith("torch.nn."):
                    function.own.append(Event(LOSS, current, **here))

    def _callee_words(self, callee: str) -> tuple[bool, bool]:
        """Whether a called function or method is named like an update and like a loss: the
        same few names are called all over a file, each searched once."""
        found = self._words.get(callee)
        if found is None:
            found = self._words[callee] = (bool(_UPDATE_CALL.search(callee)), bool(LOSS_CALLEE.search(callee)))
        return found

    def _helper_call(self, function: WalkedFunction, call: cst.Call, name: str, cls: Optional[str],
                     chain: tuple, branches: tuple, no_grad: bool) -> None:
        if cls is not None:
            helper = self.methods.get((cls, name))
        else:
            helper = self.nested.get(id(function.node), {}).get(name) or self.module_functions.get(name)
        if helper is None or helper is function:
            return
        function.calls.append((len(function.own), call, helper, chain, branches, no_grad))

    def _forward_call(self, function: WalkedFunction, call: cst.Call, receiver: cst.BaseExpression) -> None:
        receiver_text = receiver_name(receiver)
        parent = False
        if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Name) and receiver.func.value == "super":
            parent = True
        elif receiver_text and last_part(receiver_text)[:1].isupper():
            parent = True  # Base.forward(self, x), nn.Module.forward(self, x), Function.forward(ctx, ...)
        self.forward_calls.append(ForwardCall(call, receiver_text, last_part(function.name), parent))

    # ---------------------------------------------------------------- scopes
    def _expand(self, function: WalkedFunction) -> Scope:
        scope = Scope(function.name, function.node, loops=list(function.loops))
        calls = sorted(function.calls, key=lambda item: item[0])
        position = 0
        for index, event in enumerate(function.own):
            while position < len(calls) and calls[position][0] <= index:
                self._insert_helper(scope, calls[position])
                position += 1
            scope.events.append(event)
        for item in calls[position:]:
            self._insert_helper(scope, item)
        return scope

    def _insert_helper(self, scope: Scope, item) -> None:
        _, call, helper, chain, branches, no_grad = item
        depth = len(chain)
        handed_on = self._handed_on.get(id(helper))
        if handed_on is None:
            # The helper's local names are not the caller's. Listed once per helper (its walk
            # is over when scopes are expanded; `self.functions` keeps it alive): a helper is
            # inserted at every call of it, and most of its events are assignments.
            handed_on = self._handed_on[id(helper)] = [
                event for event in helper.own if event.kind not in (ASSIGN, ACCUMULATE)]
        for event in handed_on:
            scope.events.append(dataclasses.replace(
                event,
                chain=chain + event.chain,
                branches=branches + tuple(Branch(b.node_id, b.arm, b.depth + depth) for b in event.branches),
                no_grad=no_grad or event.no_grad,
                via=call,
            ))
        for loop in helper.loops:
            if loop not in scope.loops:
                scope.loops.append(loop)


def _code(node: cst.BaseExpression) -> str:
    """`source_code(node)`; the plain expressions most loops are written with
    (`enumerate(self.blocks)`) without running libcst's code generator, which cost a tenth of
    the training facts."""
    plain = _plain_code(node)
    return plain if plain is not None else source_code(node)


def _plain_code(node: cst.BaseExpression) -> Optional[str]:
    """`source_code(node)` for a name, an integer, an attribute or a call of them, each
    written without parentheses around it, keywords, stars or line breaks (libcst writes
    these back token by token, as below); None for anything else."""
    kind = type(node)
    if kind is cst.Name or kind is cst.Integer:
        return None if node.lpar else node.value
    if kind is cst.Attribute:
        if node.lpar or not _no_space(node.dot.whitespace_before) or not _no_space(node.dot.whitespace_after):
            return None
        value = _plain_code(node.value)
        return None if value is None else f"{value}.{node.attr.value}"
    if kind is not cst.Call or node.lpar or not _no_space(node.whitespace_after_func) \
            or not _no_space(node.whitespace_before_args):
        return None
    func = _plain_code(node.func)
    if func is None:
        return None
    parts = [func, "("]
    last = len(node.args) - 1
    for index, arg in enumerate(node.args):
        if arg.star or arg.keyword is not None or not _no_space(arg.whitespace_after_star) \
                or not _no_space(arg.whitespace_after_arg):
            return None
        value = _plain_code(arg.value)
        if value is None:
            return None
        parts.append(value)
        comma = arg.comma
        if type(comma) is cst.Comma:
            if not _no_space(comma.whitespace_before) or type(comma.whitespace_after) is not cst.SimpleWhitespace:
                return None
            parts.append("," + comma.whitespace_after.value)
        elif index != last:
            parts.append(", ")  # what libcst writes for a default comma between arguments
    parts.append(")")
    return "".join(parts)


def _no_space(whitespace: cst.BaseParenthesizableWhitespace) -> bool:
    return type(whitespace) is cst.SimpleWhitespace and not whitespace.value


def _bare_tensor_names(node: cst.BaseExpression) -> tuple[str, ...]:
    """Names whose value an arithmetic expression keeps as it is (`loss`, `loss * n`), not
    through a call (`loss.item()`, `float(loss)`), an attribute (`loss.data`) or an index."""
    kind = type(node)
    if kind is cst.Name:
        return (node.value,)
    if kind is cst.BinaryOperation:
        return _bare_tensor_names(node.left) + _bare_tensor_names(node.right)
    if kind is cst.UnaryOperation:
        return _bare_tensor_names(node.expression)
    return ()


def _kept_names(node: cst.BaseExpression) -> tuple[str, ...]:
    """What an accumulation keeps: its bare names, and the containers it takes an entry of
    as it is (`losses[k]`, `output["loss"]`), which hold the same graph as the container."""
    if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name):
        return (node.value.value,)
    if isinstance(node, cst.BinaryOperation):
        return _kept_names(node.left) + _kept_names(node.right)
    if isinstance(node, cst.UnaryOperation):
        return _kept_names(node.expression)
    return _bare_tensor_names(node)


# List methods that keep their argument alive in the list.
_KEEPING_METHODS = frozenset({"append", "insert", "extend"})


def _kept_in_container(call: cst.Call) -> Optional[tuple[str, cst.BaseExpression]]:
    """`outputs.append(output)`: the container's name and the value it now keeps."""
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in _KEEPING_METHODS or not call.args:
        return None
    target = receiver_name(func.value)
    argument = call.args[-1]
    if not target or argument.keyword is not None or argument.star:
        return None
    return target, argument.value


def _updates_entry(target: cst.Subscript, value: cst.BaseExpression) -> bool:
    """`d[k] = d.get(k, 0) + x` or `d[k] = d[k] + x`: the entry plus something."""
    if not isinstance(value, cst.BinaryOperation) or not isinstance(value.operator, cst.Add):
        return False
    left, name = value.left, receiver_name(target)
    if isinstance(left, cst.Call) and isinstance(left.func, cst.Attribute) and left.func.attr.value == "get":
        return receiver_name(left.func.value) == name
    return isinstance(left, cst.Subscript) and left.deep_equals(target)


def _receiver_is_self(node: cst.BaseExpression) -> bool:
    """`self.backward_G()`: a method of the training class doing the backward pass."""
    return isinstance(node, cst.Name) and node.value == "self"
