"""The fix NNL101 and NNL103 share: remove the activation whose output a logits loss gets.

Only where the activation is unambiguous and its one consumer is the loss: a softmax or
sigmoid call passed straight to the loss, one that `forward` returns as it is, or an
`nn.Softmax`/`nn.Sigmoid` that ends an `nn.Sequential`. A module kept on `self` and
applied somewhere in `forward`, or a value stored in a variable, is left alone.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from nnlint.analysis.facts import SIGMOID, SOFTMAX, FileFacts, LossCall, Output
from nnlint.analysis.program.imports import qualified_name
from nnlint.fix.proposal import UNSAFE, SyntaxFix

_FUNCTIONS = {
    SOFTMAX: frozenset({"torch.softmax", "torch.nn.functional.softmax"}),
    SIGMOID: frozenset({"torch.sigmoid", "torch.nn.functional.sigmoid"}),
}
_MODULES = {SOFTMAX: "torch.nn.Softmax", SIGMOID: "torch.nn.Sigmoid"}
_SEQUENTIAL = "torch.nn.Sequential"


def remove_activation(facts: FileFacts, loss: LossCall, output: Output) -> Optional[SyntaxFix]:
    """The fix that makes the loss get the activation's input (the logits), or None."""
    node = output.node
    if not isinstance(node, cst.Call) or output.op not in _FUNCTIONS or output.derived:
        return None
    message = (f"Remove the {output.op} so that {loss.spelled} gets the logits (unsafe: callers that want "
               f"probabilities must apply {output.op} themselves)")
    if qualified_name(node.func, facts.imports) == _MODULES[output.op]:
        return _drop_from_sequential(facts, node, message)
    logits = _activation_input(node, output.op, facts.imports)
    if logits is None:
        return None
    fed_directly = bool(loss.node.args) and loss.node.args[0].value is node
    if not fed_directly and not _returned_by_forward(facts, node, output.model):
        return None
    if node.lpar and not logits.lpar:
        logits = logits.with_changes(lpar=node.lpar, rpar=node.rpar)
    return SyntaxFix.replace(node, logits, message, UNSAFE)


def _activation_input(call: cst.Call, op: str, aliases: dict[str, str]) -> Optional[cst.BaseExpression]:
    """`x` of `F.softmax(x, dim=1)`, `torch.sigmoid(x)`, `x.softmax(-1)`, `x.sigmoid()`."""
    if any(arg.star for arg in call.args):
        return None
    qualified = qualified_name(call.func, aliases)
    if qualified in _FUNCTIONS[op]:
        positional = [arg for arg in call.args if arg.keyword is None]
        keyword = next((arg for arg in call.args if arg.keyword and arg.keyword.value == "input"), None)
        chosen = positional[0] if positional else keyword
        return chosen.value if chosen is not None else None
    if qualified is not None or not isinstance(call.func, cst.Attribute) or call.func.attr.value != op:
        return None
    # A tensor method takes only the axis (softmax) and a dtype; `self.softmax(x)` is a module.
    allowed = {"dim", "dtype"} if op == SOFTMAX else set()
    positional = [arg for arg in call.args if arg.keyword is None]
    if any(arg.keyword is not None and arg.keyword.value not in allowed for arg in call.args):
        return None
    if positional and (op != SOFTMAX or len(positional) > 1 or not _is_integer(positional[0].value)):
        return None
    return call.func.value


def _is_integer(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        node = node.expression
    return isinstance(node, cst.Integer)


def _returned_by_forward(facts: FileFacts, node: cst.CSTNode, model: Optional[str]) -> bool:
    models = [facts.models[model]] if model in facts.models else list(facts.models.values())
    return any(returned is node for found in models for returned in found.returned)


def _drop_from_sequential(facts: FileFacts, module: cst.Call, message: str) -> Optional[SyntaxFix]:
    """`nn.Sequential(nn.Linear(8, 2), nn.Softmax(dim=1))` -> `nn.Sequential(nn.Linear(8, 2))`."""
    if facts.architecture is None:
        return None
    for sequence in facts.architecture.sequences:
        call = sequence.node
        if sequence.origin != "Sequential" or not isinstance(call, cst.Call):
            continue
        if qualified_name(call.func, facts.imports) != _SEQUENTIAL or len(call.args) < 2:
            continue
        last = call.args[-1]
        if last.value is not module or last.keyword is not None or any(arg.star for arg in call.args):
            continue
        kept = [*call.args[:-2], call.args[-2].with_changes(comma=last.comma)]
        return SyntaxFix.replace(call, call.with_changes(args=kept), message, UNSAFE)
    return None
