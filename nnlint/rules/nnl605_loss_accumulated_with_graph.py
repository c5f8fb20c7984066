from typing import Optional

import libcst as cst

from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.program.syntax import descendants, receiver_name
from nnlint.analysis.training.build import ACCUMULATE, ASSIGN, BACKWARD, compatible
from nnlint.fix.proposal import SAFE, SyntaxFix
from nnlint.rules.base import Rule

# A value re-bound through one of these no longer holds the autograd graph.
_DETACHING_METHODS = frozenset({"item", "detach", "tolist", "numpy", "cpu", "data"})
_DETACHING_FUNCTIONS = frozenset({"float", "int"})


def _detached(value) -> bool:
    if isinstance(value, cst.Call):
        func = value.func
        if isinstance(func, cst.Attribute) and func.attr.value in _DETACHING_METHODS:
            return True
        if isinstance(func, cst.Name) and func.value in _DETACHING_FUNCTIONS:
            return True
    if isinstance(value, cst.Attribute) and value.attr.value == "data":
        return True
    return False


class LossAccumulatedWithGraph(Rule):
    """
    ## What it does
    Finds a running total of a loss that still holds its autograd graph:
    `running_loss += loss` (or `total = total + loss * n`) inside a training loop, where
    `loss` is the tensor the loop calls `backward()` on (or a term of it), without
    `.item()`, `.detach()` or `float(...)`. A total that is itself back-propagated (`loss
    += term` before `loss.backward()`) is a multi-term loss, not a running total, and is
    not reported. A loss kept in a container counts too: `losses.append(loss)`, an output
    dict whose `"loss"` entry was back-propagated appended to a list, or per-key totals
    `totals[k] = totals.get(k, 0) + losses[k]` of a back-propagated dict of losses.

    ## Why is this bad?
    A tensor that requires grad carries the whole computation graph that produced it.
    Adding it to a running total links every iteration's graph to the total, so none of
    them can be freed: memory grows every batch until the run dies with an out-of-memory
    error, and each step gets slower. The numbers printed are right, which is what makes
    it hard to spot.

    ## Example
    ```python
    running_loss = 0.0
    for x, y in loader:
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        running_loss += loss
    ```

    ## Use instead
    ```python
        running_loss += loss.item()
    ```

    ## Fix
    `--fix` detaches the accumulated loss where it is added: `running_loss += loss` becomes
    `running_loss += loss.item()` when the total starts as a Python number (`= 0.0`), the
    loss is the scalar that `backward()` is called on, and nothing reads the total as a
    tensor (`total.item()`, `(total / n).cpu()`) or returns it; otherwise
    `running_loss += loss.detach()`, which keeps the total a tensor. Either way the numbers
    are the same and the graphs are freed. No fix when the loss name appears more than once
    in the added expression.

    ## How dynamic mode confirms it
    Not checked: `check --dynamic` builds and probes models, it does not run training or
    evaluation code, so this finding gets "not checked" with that reason.

    ## When to ignore it
    When the total is back-propagated later on purpose (a loss summed over the iterations
    of a loop, then one `backward()` after it that nnlint did not connect to the total).

    ## Precision
    Opt-in (enable it with `--extend-select NNL605`). Pooled over the four held-out sets
    (docs/precision.md) 13 of 15 findings read were real (87 %, under the 90 % a default rule
    needs); the false ones summed a float the code only took for a loss, such as a
    reinforcement-learning environment's reward that is also passed to the loss function.
    """

    code = "NNL605"
    default_enabled = False  # under 90 % pooled on the held-out precision sets (docs/precision.md)
    reads = ("training",)
    name = "loss-accumulated-with-graph"
    summary = "A running total of a loss tensor without .item()/.detach() keeps every iteration's graph alive."
    fix_hint = "Accumulate loss.item() (or loss.detach()) instead of the loss tensor."
    fix_availability = "sometimes"
    fix_applicability = SAFE
    fix_examples = (
        (
            """\
import torch

def train(model, optimizer, criterion, loader):
    running_loss = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        running_loss += loss  # per-batch mean
    print(running_loss / len(loader))
""",
            """\
import torch

def train(model, optimizer, criterion, loader):
    running_loss = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()  # per-batch mean
    print(running_loss / len(loader))
""",
        ),
        (
            # The total is read as a tensor afterwards, and `rec` is only a term of the loss.
            """\
import torch

def train(model, optimizer, loader):
    total, total_rec = 0.0, 0
    for x, y in loader:
        optimizer.zero_grad()
        rec = torch.nn.functional.mse_loss(model(x), y)
        loss = rec + model.kl()
        loss.backward()
        optimizer.step()
        total += loss
        total_rec = total_rec + rec * x.size(0)
    return total.item(), total_rec
""",
            """\
import torch

def train(model, optimizer, loader):
    total, total_rec = 0.0, 0
    for x, y in loader:
        optimizer.zero_grad()
        rec = torch.nn.functional.mse_loss(model(x), y)
        loss = rec + model.kl()
        loss.backward()
        optimizer.step()
        total += loss.detach()
        total_rec = total_rec + rec.detach() * x.size(0)
    return total.item(), total_rec
""",
        ),
    )
    invalid = (
        """\
import torch

def train(model, optimizer, criterion, loader):
    running_loss = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        running_loss += loss  # <--
    return running_loss / len(loader)
""",
        """\
import torch

def train(model, optimizer, loader):
    total_rec = 0
    for x, y in loader:
        optimizer.zero_grad()
        rec = torch.nn.functional.mse_loss(model(x), y)
        kl = model.kl()
        loss = rec + kl
        loss.backward()
        optimizer.step()
        total_rec = total_rec + rec * x.size(0)  # <--
""",
        """\
import torch

def train_epoch(model, optimizer, loader):
    totals = {}
    for x, y in loader:
        optimizer.zero_grad()
        losses = model.compute_losses(x, y)
        losses["total"].backward()
        optimizer.step()
        for key in losses:
            totals[key] = totals.get(key, 0) + losses[key]  # <--
    return totals
""",
    )
    valid = (
        """\
import torch

def train(model, optimizer, criterion, loader):
    running = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        running += loss.item()
""",
        """\
import torch

def train_seq(encoder, optimizer, criterion, inputs, targets):
    optimizer.zero_grad()
    loss = 0
    for t in range(len(targets)):
        loss += criterion(encoder(inputs[t]), targets[t])  # a multi-term loss, back-propagated once
    loss.backward()
    optimizer.step()
""",
        """\
import torch

def train(model, optimizer, criterion, loader):
    total = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        loss = loss.detach()
        total += loss
""",
    )

    def check(self, facts, report) -> None:
        training = facts.training
        if training is None:
            return
        for scope in training.scopes:
            own = [event for event in scope.events if event.via is None]
            backwards = [event for event in own if event.kind == BACKWARD]
            if not backwards:
                continue
            back_propagated = {name for event in backwards for name in event.names}
            terms = set(back_propagated)
            for event in own:
                if event.kind == ASSIGN and event.target in back_propagated:
                    terms.update(event.names)
            if terms - back_propagated:
                # `loss = loss / accumulate_every`: the divisor is a number, not a graph.
                terms -= scope.plain_numbers() - back_propagated
            for index, event in enumerate(own):
                if event.kind != ACCUMULATE or not event.chain or event.no_grad:
                    continue
                target_root = event.target.split(".", 1)[0]
                if event.target in back_propagated or target_root in back_propagated:
                    continue
                for name in event.names:
                    if name == event.target or name not in terms:
                        continue
                    kept = isinstance(event.node, cst.Expr)  # outputs.append(output)
                    # A list is filled in its own loop: the loss it keeps must be back-propagated
                    # in that loop (an evaluation loop's `losses.append(loss)` keeps no graph).
                    loops = event.chain[-1:] if kept else event.chain
                    backward = next((b for b in backwards if any(loop in b.chain for loop in loops)), None)
                    if backward is None:
                        continue
                    if kept and not _is_backward_call(backward.node):
                        continue  # register_full_backward_hook(self.hook(name)) back-propagates nothing
                    if kept and _combined_as_tensors(scope.node, event.target, facts.imports):
                        continue  # torch.stack(losses).mean(): the graphs are kept to be used
                    if not _backpropagated_whole(backward.node, name) and _entry_detached(event.chain[-1], name):
                        continue  # output["loss"] = output["loss"].detach() before it is kept
                    latest = next((e for e in reversed(own[:index]) if e.kind == ASSIGN and e.target == name
                                   and compatible(e, event)), None)
                    if latest is not None and _detached(latest.value):
                        continue
                    verb = "keeps" if kept else "accumulates"
                    whole = _backpropagated_whole(backward.node, name)
                    what = f"{name}, a tensor with its autograd graph" if whole else \
                        f"{name}, whose entry holds the autograd graph"
                    fix = _detach(event, name, own[:index], name in back_propagated
                                  and _without_gradient(backward.node), scope) if whole else None
                    report(
                        event.node,
                        f"{event.target} {verb} {what} (back-propagated at "
                        f"{report.where(backward.node)}): every iteration's graph stays alive and memory grows "
                        f"each batch. {'Keep' if kept else 'Accumulate'} {name}.item() or {name}.detach()"
                        f"{'' if whole else ' of each entry'}.",
                        related=[(backward.node, f"{name} requires grad")],
                        fix=fix,
                    )
                    break


def _detach(event, name: str, before, scalar: bool, scope) -> Optional[SyntaxFix]:
    """`total += loss` -> `total += loss.item()` (or `loss.detach()`, see the docs)."""
    occurrences = list(_bare_names(event.value, name))
    if len(occurrences) != 1:
        return None
    start = next((e for e in reversed(before) if e.kind == ASSIGN and e.target == event.target), None)
    starts_as_number = start is not None and _is_number(start.value)
    method = "item" if scalar and starts_as_number and not scope.may_use_as_tensor(event.target) else "detach"
    node = occurrences[0]
    replacement = cst.Call(cst.Attribute(node.with_changes(lpar=[], rpar=[]), cst.Name(method)),
                           lpar=node.lpar, rpar=node.rpar)
    return SyntaxFix.replace(node, replacement, f"Accumulate `{name}.{method}()`", SAFE)


def _combined_as_tensors(scope: cst.CSTNode, container: str, imports: dict[str, str]) -> bool:
    """The scope hands the list, or an item of it, to a torch function (`torch.stack(losses)`,
    `torch.isclose(losses[0], losses[-1])`): it keeps the tensors, graphs included, on purpose."""
    body = scope.body if isinstance(scope, cst.FunctionDef) else scope
    for node in descendants(body):
        if type(node) is cst.Call and (qualified_name(node.func, imports) or "").startswith("torch."):
            if any(receiver_name(arg.value) == container for arg in node.args):
                return True
    return False


def _is_backward_call(node: cst.CSTNode) -> bool:
    """`loss.backward()`, `self.manual_backward(loss)`, `accelerator.backward(loss)`."""
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
        and node.func.attr.value in ("backward", "manual_backward")


def _entry_detached(loop: cst.CSTNode, name: str) -> bool:
    """The loop re-binds an entry of `name` to a detached value (`output["loss"] = ...detach()`)."""
    for node in descendants(loop):
        if type(node) is cst.Assign and _detached(node.value) and any(
                isinstance(target.target, cst.Subscript) and receiver_name(target.target) == name
                for target in node.targets):
            return True
    return False


def _backpropagated_whole(backward, name: str) -> bool:
    """`loss.backward()` on the name itself, not on one entry of it (`output["loss"].backward()`):
    only then is the name a tensor that `.item()`/`.detach()` can be applied to."""
    func = backward.func if isinstance(backward, cst.Call) else None
    subject = func.value if isinstance(func, cst.Attribute) else None
    while isinstance(subject, cst.Subscript):
        subject = subject.value
        if isinstance(subject, cst.Name) and subject.value == name:
            return False
    return True


def _without_gradient(backward) -> bool:
    """`loss.backward()`: the loss is a scalar, since a tensor needs a `gradient` argument."""
    return isinstance(backward, cst.Call) and not backward.args


def _bare_names(node, name: str):
    """The Name nodes `name` in an arithmetic expression, where the accumulation sees them."""
    if isinstance(node, cst.Name):
        if node.value == name:
            yield node
    elif isinstance(node, cst.BinaryOperation):
        yield from _bare_names(node.left, name)
        yield from _bare_names(node.right, name)
    elif isinstance(node, cst.UnaryOperation):
        yield from _bare_names(node.expression, name)


def _is_number(value) -> bool:
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
        value = value.expression
    return isinstance(value, (cst.Integer, cst.Float))
