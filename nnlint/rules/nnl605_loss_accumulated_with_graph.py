import libcst as cst

from nnlint.analysis.training import ACCUMULATE, ASSIGN, BACKWARD, compatible
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
    not reported.

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

    ## How dynamic mode confirms it
    It runs a few iterations of the loop and checks whether the accumulated value
    `requires_grad` and whether allocated memory grows with the iteration count.

    ## When to ignore it
    When the total is back-propagated later on purpose (a loss summed over the iterations
    of a loop, then one `backward()` after it that nnlint did not connect to the total).
    """

    code = "NNL605"
    name = "loss-accumulated-with-graph"
    summary = "A running total of a loss tensor without .item()/.detach() keeps every iteration's graph alive."
    fix_hint = "Accumulate loss.item() (or loss.detach()) instead of the loss tensor."
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
            for index, event in enumerate(own):
                if event.kind != ACCUMULATE or not event.chain or event.no_grad:
                    continue
                target_root = event.target.split(".", 1)[0]
                if event.target in back_propagated or target_root in back_propagated:
                    continue
                for name in event.names:
                    if name == event.target or name not in terms:
                        continue
                    backward = next((b for b in backwards if any(loop in b.chain for loop in event.chain)), None)
                    if backward is None:
                        continue
                    latest = next((e for e in reversed(own[:index]) if e.kind == ASSIGN and e.target == name
                                   and compatible(e, event)), None)
                    if latest is not None and _detached(latest.value):
                        continue
                    report(
                        event.node,
                        f"{event.target} accumulates {name}, a tensor with its autograd graph (back-propagated at "
                        f"{report.where(backward.node)}): every iteration's graph stays alive and memory grows "
                        f"each batch. Accumulate {name}.item() or {name}.detach().",
                        related=[(backward.node, f"{name} requires grad")],
                    )
                    break
