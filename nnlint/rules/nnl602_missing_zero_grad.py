from nnlint.analysis.training.build import BACKWARD, STEP, ZERO_GRAD
from nnlint.rules.base import Rule


class MissingZeroGrad(Rule):
    """
    ## What it does
    Finds a training loop that calls `backward()` and `optimizer.step()` on every pass but
    never clears the gradients: no `optimizer.zero_grad()`, `model.zero_grad()` or
    `p.grad = None` inside the loop. The loop is followed into nested loops and into the
    helper functions and methods of the same file it calls (`train_step(...)`,
    `self.update(...)`), so a training step written as a helper is seen whole. The finding
    sits on the `step()` call.

    ## Why is this bad?
    PyTorch *adds* each `backward()` into `.grad`. Without clearing, the gradient of
    step *n* is the sum of all gradients since the start: the updates grow, oscillate and
    point in stale directions. The loss decreases for a few iterations and then rises or
    stalls — the seed's "buggy training algorithm". A `zero_grad()` only before the loop
    clears them once, which is the same bug.

    ## Example
    ```python
    for x, y in loader:
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    ```

    ## Use instead
    ```python
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    ```

    ## How dynamic mode confirms it
    Not checked: `check --dynamic` builds and probes models, it does not run training or
    evaluation code, so this finding gets "not checked" with that reason.

    ## When to ignore it
    When gradients are cleared somewhere nnlint cannot follow (a helper two calls deep, a
    callback or a framework hook). Deliberate gradient accumulation is *not* reported as
    long as the loop clears the gradients somewhere, e.g. under `if (i + 1) % k == 0`.

    ## Precision
    Opt-in (enable it with `--extend-select NNL602`): on the precision corpus
    (docs/precision.md) 5 of the 6 findings read were real mistakes (83 %), under the 90 %
    a default rule needs; the false one is a few-step mock training loop in a unit test. Test
    files are not checked any more (a unit test's loop only has to move the weights), which
    leaves 5 of 5 there; no finding on either held-out set.
    """

    code = "NNL602"
    reads = ("training",)
    default_enabled = False
    checks_test_code = False
    name = "missing-zero-grad"
    summary = "A loop calls backward() and step() but never zero_grad(): gradients accumulate across iterations."
    fix_hint = "Call optimizer.zero_grad() (or model.zero_grad()) once per iteration, before backward()."
    severity = "error"
    invalid = (
        """\
import torch
from torch.nn.functional import mse_loss

model = torch.nn.Linear(4, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.5)
for epoch in range(10):
    loss = mse_loss(model(x), y)
    loss.backward()
    opt.step()  # <--
""",
        """\
import torch

def train_step(model, optimizer, x, y):
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()  # <--
    return loss.item()

def train(model, optimizer, loader):
    optimizer.zero_grad()  # only once, before the loop
    for x, y in loader:
        train_step(model, optimizer, x, y)
""",
    )
    valid = (
        """\
import torch.nn.functional as F

def train_epoch(model, loader, optimizer, accum=4):  # gradient accumulation
    optimizer.zero_grad(set_to_none=True)
    for i, (x, y) in enumerate(loader):
        loss = F.cross_entropy(model(x), y) / accum
        loss.backward()
        if (i + 1) % accum == 0:
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
""",
        """\
import torch

def train(model, optimizer, loader):
    for x, y in loader:
        model.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
""",
        """\
import torch

def fit(model, x, y):
    optimizer = torch.optim.LBFGS(model.parameters())
    for _ in range(20):
        def closure():
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            return loss
        optimizer.step(closure)
""",
    )

    def check(self, facts, report) -> None:
        training = facts.training
        if training is None:
            return
        reported: set[int] = set()
        for scope in training.scopes:
            for loop in scope.loops:
                inside = [event for event in scope.events if event.in_loop(loop.node)]
                if not any(event.kind == BACKWARD for event in inside):
                    continue
                if any(event.kind == ZERO_GRAD for event in inside):
                    continue
                steps = [event for event in inside if event.kind == STEP and training.is_optimizer(event.receiver)]
                if not steps or any(step.has_args for step in steps):
                    continue  # step(closure): the closure clears the gradients
                step = steps[0]
                if id(step.node) in reported:
                    continue
                reported.add(id(step.node))
                related = [(loop.node, "the training loop")]
                if step.via is not None:
                    related.append((step.via, "calls the step from the loop"))
                report(
                    step.node,
                    f"{step.receiver}.step() runs every iteration of the loop at {report.where(loop.node)} but "
                    "nothing in the loop calls zero_grad(): gradients accumulate across iterations and each "
                    "update uses the sum of all past gradients. Call zero_grad() once per iteration.",
                    related=related,
                )
