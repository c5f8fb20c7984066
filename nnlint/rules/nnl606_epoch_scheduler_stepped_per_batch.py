import re

from nnlint import catalogue
from nnlint.analysis.training.build import STEP
from nnlint.catalogue.optim import EPOCH
from nnlint.rules.base import Rule

_DATA_LOOP = re.compile(r"load|batch|data|iter|tqdm|enumerate|sample|train", re.IGNORECASE)
_EPOCH = re.compile(r"epoch", re.IGNORECASE)


class EpochSchedulerSteppedPerBatch(Rule):
    """
    ## What it does
    Finds an epoch-based learning-rate scheduler — `StepLR`, `MultiStepLR`,
    `ExponentialLR`, `CosineAnnealingLR` — whose `scheduler.step()` runs in the batch loop,
    next to `optimizer.step()`, on every iteration. A scheduler whose period is written in
    iterations (`T_max=len(loader) * epochs`, `step_size=total_steps // 3`), schedulers
    made for per-batch stepping (`OneCycleLR`, `CyclicLR`, `LambdaLR` warm-ups,
    `get_linear_schedule_with_warmup`), and a `step()` under a condition (`if i %
    1000 == 0`) are not reported.

    ## Why is this bad?
    These schedulers count calls to `step()` as epochs. Stepped every batch, `StepLR(step_size=1,
    gamma=0.1)` divides the learning rate by ten per iteration: after a few dozen batches it
    is effectively zero and the loss freezes — the seed's "too small learning rate", reached
    by accident. Cosine annealing finishes its whole schedule within the first epoch.

    ## Example
    ```python
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.1)
    for epoch in range(epochs):
        for images, labels in loader:
            ...
            optimizer.step()
            scheduler.step()
    ```

    ## Use instead
    ```python
    for epoch in range(epochs):
        for images, labels in loader:
            ...
            optimizer.step()
        scheduler.step()  # once per epoch
    ```

    ## How dynamic mode confirms it
    Not checked: `check --dynamic` builds and probes models, it does not run training or
    evaluation code, so this finding gets "not checked" with that reason.

    ## When to ignore it
    When the period is counted in iterations on purpose but written in a way nnlint does
    not recognize as such (`step_size=30000`): suppress the finding on its line.

    ## Precision
    Opt-in (enable it with `--extend-select NNL606`). Its one finding on the held-out sets
    (docs/precision.md, "Third held-out check") was a false alarm: full-batch training,
    where every iteration of the loop is an epoch. It had no findings on the tuned corpus and
    the first two held-out sets, so its precision on real code is unmeasured beyond that one.
    """

    code = "NNL606"
    default_enabled = False  # under 90 % on the third held-out precision set (docs/precision.md)
    reads = ("training",)
    name = "epoch-scheduler-stepped-per-batch"
    summary = "An epoch-based LR scheduler is stepped inside the batch loop, decaying the LR every iteration."
    fix_hint = "Move scheduler.step() out of the batch loop to once per epoch, or use a per-iteration schedule."
    invalid = (
        """\
import torch

def train(model, loader, epochs=50):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.1)
    for epoch in range(epochs):
        for images, labels in loader:
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            scheduler.step()  # <--
""",
        """\
from torch.optim import lr_scheduler, Adam

class Trainer:
    def __init__(self, model):
        self.opt = Adam(model.parameters(), lr=1e-3)
        self.sched = lr_scheduler.MultiStepLR(self.opt, milestones=[30, 60], gamma=0.1)

    def train_epoch(self, loader):
        for x, y in loader:
            self.opt.zero_grad()
            self.model(x, y).backward()
            self.opt.step()
            self.sched.step()  # <--
""",
    )
    valid = (
        """\
import torch

def train(model, loader, epochs):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=epochs * len(loader))
    for epoch in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
            scheduler.step()  # OneCycleLR is stepped per batch
""",
        """\
import torch

def train(model, loader, epochs):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
        scheduler.step()  # once per epoch
""",
        """\
import torch

def train(model, loader, epochs):
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * len(loader))
    for epoch in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
            scheduler.step()  # T_max counted in iterations
""",
    )

    def check(self, facts, report) -> None:
        training = facts.training
        if training is None:
            return
        reported: set[int] = set()
        for scope in training.scopes:
            loops = {id(loop.node): loop for loop in scope.loops}
            for event in scope.events:
                if event.kind != STEP or event.has_args or not event.chain or id(event.node) in reported:
                    continue
                constructions = training.schedulers_named(event.receiver)
                if not constructions or not all(self._epoch_based(c) for c in constructions):
                    continue
                loop_node = event.chain[-1]
                loop = loops.get(id(loop_node))
                if loop is None or event.conditional_in(loop_node):
                    continue
                if _EPOCH.search(loop.target) or _EPOCH.search(loop.iterable):
                    continue
                if not (loop.nested or _DATA_LOOP.search(loop.iterable)):
                    continue
                optimizer_step = next((e for e in scope.events if e.kind == STEP and e.chain
                                       and e.chain[-1] is loop_node and training.is_optimizer(e.receiver)), None)
                if optimizer_step is None:
                    continue
                reported.add(id(event.node))
                construction = constructions[0]
                report(
                    event.node,
                    f"{event.receiver} ({construction.cls}) counts step() calls as epochs, but it is "
                    f"stepped in the batch loop at {report.where(loop_node)} next to {optimizer_step.receiver}.step(): "
                    "the learning rate decays every iteration and soon reaches ~0. Step it once per epoch, "
                    "outside the batch loop.",
                    related=[(construction.node, f"{construction.cls} built here"),
                             (optimizer_step.node, "the per-batch optimizer step")],
                )

    @staticmethod
    def _epoch_based(construction) -> bool:
        known = catalogue.scheduler(construction.cls)
        if known is None or known.cadence != EPOCH or construction.per_iteration:
            return False
        if construction.cls == "ExponentialLR" and construction.gamma is not None and construction.gamma >= 0.99:
            return False  # a per-iteration decay rate
        return True
