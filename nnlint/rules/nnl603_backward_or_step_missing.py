import libcst as cst

from nnlint.analysis.training.build import (
    BACKWARD,
    GRAD_READ,
    LOSS,
    OTHER_UPDATE,
    STEP,
    ZERO_GRAD,
    compatible,
)
from nnlint.analysis.training.step_handoffs import hands_optimizer_on, mentions, step_closures
from nnlint.catalogue.names import OPTIMIZER_NAME
from nnlint.rules.base import Rule



def _has_optimizer_parameter(node: cst.CSTNode) -> bool:
    if not isinstance(node, cst.FunctionDef):
        return False
    params = node.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    return any(OPTIMIZER_NAME.search(param.name.value) for param in every)


class BackwardOrStepMissing(Rule):
    """
    ## What it does
    Finds a training loop whose optimization step is incomplete or out of order:

    - `optimizer.step()` (with `zero_grad()` and a loss computed) but no `backward()`
      anywhere in the loop, its helpers or the rest of the function: no gradients are ever
      computed;
    - a loss and `backward()` in a loop, but no `step()` anywhere in the function (and no
      update written by hand with `.grad`): the gradients are never applied;
    - `zero_grad()` between `backward()` and `step()` of the same optimizer: the step
      applies gradients that were just cleared.

    Loops are followed into nested loops and into same-file helper functions and methods
    they call. The finding sits on the `step()` (or the `backward()` when the step is
    missing).

    ## Why is this bad?
    Each of these leaves the weights where they started: the model keeps its random
    initialization and predicts (nearly) the same class for every input. It is the seed's
    "buggy training algorithm": the loss is printed, training seems to run, nothing learns.

    ## Example
    ```python
    for images, targets in loader:
        optimizer.zero_grad()
        loss = criterion(net(images), targets)
        optimizer.step()          # no loss.backward(): gradients are all None
    ```

    ## Use instead
    ```python
    for images, targets in loader:
        optimizer.zero_grad()
        loss = criterion(net(images), targets)
        loss.backward()
        optimizer.step()
    ```

    ## How dynamic mode confirms it
    Not checked: `check --dynamic` builds and probes models, it does not run training or
    evaluation code, so this finding gets "not checked" with that reason.

    ## When to ignore it
    When backward or step runs somewhere nnlint cannot follow (a helper two calls deep, a
    framework hook, a custom `Trainer`), or when a loop only computes gradients on purpose
    (saliency maps, adversarial inputs read `.grad` and are not reported). A missing step
    is not reported for a closure handed to `optimizer.step(closure)`, for a function that
    (or whose caller) passes the optimizer on to another call (`trainer.optimize(opt)`), nor
    for a function that never names an optimizer (a gradient check or a backward smoke test).
    A number bound to a loss name (`running_loss = 0.0`, `dummy_loss = 0.1` handed to
    `ReduceLROnPlateau.step`) is not a loss: a loop that steps a dummy optimizer only to draw
    a scheduler's curve computes none and is not reported.

    ## Precision
    Opt-in (enable it with `--extend-select NNL603`): on the second held-out precision set,
    fifteen public repositories nobody tuned the rules on (docs/precision.md, "Second held-out
    check"), its one finding was a false alarm (0 of 1): a book's plotting helper steps a dummy
    optimizer on purpose to draw a learning-rate scheduler's curve. The tuned corpus and the
    first held-out set gave it no finding, so no measurement reaches the 90 % a default rule
    needs.
    Since then a number bound to a loss name is not a loss, and that helper is silent.
    """

    code = "NNL603"
    reads = ("training",)
    default_enabled = False  # under 90 % on the second held-out precision set (docs/precision.md)
    name = "backward-or-step-missing"
    summary = "A training loop with step() but no backward(), backward() but no step(), or zero_grad() between them."
    fix_hint = "Call zero_grad(), then loss.backward(), then optimizer.step() in every training iteration."
    severity = "error"
    invalid = (
        """\
import torch

def train(net, criterion, optimizer, data_loader):
    for images, targets in data_loader:
        out = net(images)
        optimizer.zero_grad()
        loss = criterion(out, targets)
        optimizer.step()  # <--
""",
        """\
import torch

model = torch.nn.Linear(10, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

def train(loader):
    for x, y in loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()  # <--
""",
        """\
import torch

def train(model, optimizer, loader):
    for x, y in loader:
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()  # <--
""",
    )
    valid = (
        """\
import torch

def train(model, optimizer, loader):
    for x, y in loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
""",
        """\
import torch

def saliency(model, loader):  # gradients wanted, not a training step
    for x, y in loader:
        x.requires_grad_(True)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        yield x.grad.abs()
""",
        """\
import torch

def full_batch(model, optimizer, loader):  # accumulate over the data set, one step
    optimizer.zero_grad()
    for x, y in loader:
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
    optimizer.step()
""",
        """\
import torch

def train(netD, netG, optD, optG, loader):  # GAN: each optimizer cleared before its own backward
    for real in loader:
        netD.zero_grad()
        lossD = netD(real).mean() - netD(netG(real).detach()).mean()
        lossD.backward()
        optD.step()
        netG.zero_grad()
        lossG = -netD(netG(real)).mean()
        lossG.backward()
        optG.step()
""",
    )

    def check(self, facts, report) -> None:
        training = facts.training
        if training is None:
            return
        reported: set[int] = set()
        for scope in training.scopes:
            events = scope.events
            has_backward = any(event.kind == BACKWARD for event in events)
            any_step = any(event.kind == STEP and event.receiver not in training.scheduler_names() for event in events)
            manual = any(event.kind in (GRAD_READ, OTHER_UPDATE) for event in events)
            for loop in scope.loops:
                if loop.parent is not None:
                    continue
                inside = [event for event in events if event.in_loop(loop.node)]
                # Only events of the scope itself: what a helper's helper does is not visible here.
                steps = [e for e in inside if e.kind == STEP and training.is_optimizer(e.receiver) and e.via is None]
                if steps and not has_backward and not any(step.has_args for step in steps) \
                        and any(e.kind == LOSS for e in inside):
                    step = steps[0]
                    if id(step.node) not in reported:
                        reported.add(id(step.node))
                        report(
                            step.node,
                            f"{step.receiver}.step() runs in the loop at {report.where(loop.node)}, but no "
                            "backward() is ever called: there are no gradients and the weights never change. "
                            "Call loss.backward() before step().",
                            related=[(loop.node, "the training loop")],
                        )
                backwards = [e for e in inside if e.kind == BACKWARD and e.via is None]
                if backwards and not any_step and not manual and any(e.kind == LOSS for e in inside) \
                        and (mentions(scope.node, training.optimizer_names()) or _has_optimizer_parameter(scope.node)
                             or any(e.kind == ZERO_GRAD and training.is_optimizer(e.receiver) for e in inside)) \
                        and not self._stepped_elsewhere(facts, training, scope, backwards[0]):
                    backward = backwards[0]
                    if id(backward.node) not in reported:
                        reported.add(id(backward.node))
                        report(
                            backward.node,
                            f"backward() runs in the loop at {report.where(loop.node)}, but no optimizer.step() "
                            "follows anywhere in it: the gradients are computed and never applied, so the "
                            "weights never change. Call optimizer.step() after backward().",
                            related=[(loop.node, "the training loop")],
                        )
            self._misordered(training, scope, reported, report)

    @staticmethod
    def _stepped_elsewhere(facts, training, scope, backward) -> bool:
        """The step happens out of this function's sight: it is a closure handed to
        `optimizer.step(closure)`, or a function calling it steps or passes the optimizer on
        (`trainer.optimize(opt)`)."""
        if isinstance(scope.node, cst.FunctionDef) and scope.node.name.value in step_closures(facts.module):
            return True
        if hands_optimizer_on(scope.node, training.is_optimizer):
            return True
        for caller in training.scopes:
            if caller is scope or not any(e.node is backward.node and e.via is not None for e in caller.events):
                continue
            if any(e.kind == STEP for e in caller.events) or hands_optimizer_on(caller.node, training.is_optimizer):
                return True
        return False

    @staticmethod
    def _misordered(training, scope, reported, report) -> None:
        events = scope.events
        for index, step in enumerate(events):
            if step.kind != STEP or not training.is_optimizer(step.receiver) or step.has_args:
                continue
            models = {model for opt in training.optimizers if opt.bound_to == step.receiver for model in opt.models}
            cleared = None
            for earlier in reversed(events[:index]):
                if not compatible(earlier, step):
                    continue
                if earlier.kind == STEP and earlier.receiver == step.receiver:
                    break
                if earlier.kind == BACKWARD:
                    if cleared is not None and earlier.chain[:len(step.chain)] == step.chain \
                            and id(step.node) not in reported:
                        reported.add(id(step.node))
                        report(
                            step.node,
                            f"{cleared.receiver}.zero_grad() ({report.where(cleared.node)}) runs between "
                            f"backward() ({report.where(earlier.node)}) and {step.receiver}.step(): the step "
                            "applies gradients that were just cleared and the weights never change. Call "
                            "zero_grad() before backward().",
                            related=[(cleared.node, "clears the gradients"), (earlier.node, "computes them")],
                        )
                    break
                if earlier.kind == ZERO_GRAD and earlier.chain == step.chain and \
                        (earlier.receiver == step.receiver or earlier.receiver in models):
                    cleared = earlier
