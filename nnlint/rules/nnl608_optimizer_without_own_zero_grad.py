from nnlint.analysis.paths.build import same_model
from nnlint.analysis.training.build import STEP, ZERO_GRAD
from nnlint.rules.base import Rule


class OptimizerWithoutOwnZeroGrad(Rule):
    """
    ## What it does
    Finds a loop that steps two or more optimizers (a GAN's generator and discriminator, an
    actor and a critic) and clears gradients, but not those of every optimizer it steps:
    `optimizer_D.zero_grad()` is there, `optimizer_G.zero_grad()` is not. `model.zero_grad()`
    counts for the optimizers built from that model's parameters. The loop is followed into
    the helper functions and methods of the same file it calls, and the finding sits on the
    `step()` of the optimizer whose gradients are never cleared.

    ## Why is this bad?
    PyTorch *adds* every `backward()` into `.grad`. The optimizer that is never cleared
    steps with the sum of all its past gradients, and in a GAN also with the gradients the
    other network's loss sent through it (the generator's loss flows through the
    discriminator). Its updates grow and point in stale directions, so that network stops
    learning or diverges while the other trains normally — the seed's "buggy training
    algorithm", and one of the hardest to see in a loss curve.

    ## Example
    ```python
    for real, _ in loader:
        opt_d.zero_grad()
        d_loss = bce(D(real), ones) + bce(D(G(z).detach()), zeros)
        d_loss.backward()
        opt_d.step()

        g_loss = bce(D(G(z)), ones)
        g_loss.backward()
        opt_g.step()          # G's gradients are never cleared
    ```

    ## Use instead
    ```python
        opt_g.zero_grad()
        g_loss = bce(D(G(z)), ones)
        g_loss.backward()
        opt_g.step()
    ```

    ## How dynamic mode confirms it
    Not checked: `check --dynamic` builds and probes models, it does not run training code,
    so this finding gets "not checked" with that reason.

    ## When to ignore it
    When the missing optimizer's gradients are cleared somewhere nnlint cannot follow (a
    helper in another file, a hook, a loop over a list of optimizers it cannot match to
    names). nnlint stays silent when a `zero_grad()` in the loop is on something it cannot
    tie to an optimizer (`self.zero_grad()`, `p.grad = None`), and when no gradient is
    cleared at all (that is NNL602).

    On the precision corpus (the 29 public repositories of docs/precision.md, among them
    PyTorch-GAN's 60 GAN scripts) it reports no finding: no false alarm, precision not yet
    measurable there.

    ## Precision
    Opt-in (enable it with `--extend-select NNL608`). Its one held-out finding (the fourth
    held-out set, docs/precision.md) was not real: an exponential-moving-average helper named
    `ema_optimizer`, whose `step()` reads no gradients.
    """

    code = "NNL608"
    default_enabled = False  # under 90 % pooled on the held-out precision sets (docs/precision.md)
    reads = ("training",)
    name = "optimizer-without-own-zero-grad"
    summary = "A loop steps several optimizers but clears the gradients of only some of them."
    fix_hint = "Call zero_grad() on every optimizer the loop steps (or on the model it trains), once per iteration."
    severity = "error"
    invalid = (
        """\
import torch
import torch.nn as nn

G = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 2))
D = nn.Sequential(nn.Linear(2, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1))
opt_g = torch.optim.Adam(G.parameters(), lr=2e-4)
opt_d = torch.optim.Adam(D.parameters(), lr=2e-4)
bce = nn.BCEWithLogitsLoss()

for real in loader:
    z = torch.randn(real.size(0), 16)
    opt_d.zero_grad()
    d_loss = bce(D(real), torch.ones(real.size(0), 1)) + bce(D(G(z).detach()), torch.zeros(real.size(0), 1))
    d_loss.backward()
    opt_d.step()

    g_loss = bce(D(G(z)), torch.ones(real.size(0), 1))
    g_loss.backward()
    opt_g.step()  # <--
""",
        """\
import torch

class Trainer:
    def __init__(self, actor, critic):
        self.actor, self.critic = actor, critic
        self.actor_optimizer = torch.optim.Adam(actor.parameters(), lr=3e-4)
        self.critic_optimizer = torch.optim.Adam(critic.parameters(), lr=3e-4)

    def update_critic(self, state, target):
        loss = (self.critic(state) - target).pow(2).mean()
        self.critic_optimizer.zero_grad()
        loss.backward()
        self.critic_optimizer.step()

    def update_actor(self, state):
        loss = -self.critic(state, self.actor(state)).mean()
        loss.backward()
        self.actor_optimizer.step()  # <--

    def train(self, batches):
        for state, target in batches:
            self.update_critic(state, target)
            self.update_actor(state)
""",
    )
    valid = (
        """\
import torch
import torch.nn as nn

G = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 2))
D = nn.Sequential(nn.Linear(2, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1))
opt_g = torch.optim.Adam(G.parameters(), lr=2e-4)
opt_d = torch.optim.Adam(D.parameters(), lr=2e-4)
bce = nn.BCEWithLogitsLoss()

for real in loader:
    z = torch.randn(real.size(0), 16)
    D.zero_grad()  # clears what opt_d steps
    d_loss = bce(D(real), torch.ones(real.size(0), 1)) + bce(D(G(z).detach()), torch.zeros(real.size(0), 1))
    d_loss.backward()
    opt_d.step()

    opt_g.zero_grad()
    g_loss = bce(D(G(z)), torch.ones(real.size(0), 1))
    g_loss.backward()
    opt_g.step()
""",
        """\
import torch

def train(models, optimizers, loader):
    for x, y in loader:
        for optimizer in optimizers:  # one loop clears them all
            optimizer.zero_grad()
        loss = sum(torch.nn.functional.mse_loss(m(x), y) for m in models)
        loss.backward()
        optimizers[0].step()
        optimizers[1].step()
""",
        """\
import torch
import lightning as L

class GAN(L.LightningModule):
    def __init__(self, generator, discriminator):
        super().__init__()
        self.automatic_optimization = False
        self.G, self.D = generator, discriminator

    def training_step(self, batch, batch_idx):
        opt_g, opt_d = self.optimizers()
        for _ in range(2):
            d_loss = self.D(batch).mean() - self.D(self.G(batch)).mean()
            opt_d.zero_grad()
            self.manual_backward(d_loss)
            opt_d.step()
            g_loss = -self.D(self.G(batch)).mean()
            opt_g.zero_grad()
            self.manual_backward(g_loss)
            opt_g.step()
""",
    )

    def check(self, facts, report) -> None:
        training = facts.training
        if training is None:
            return
        built_over = {opt.bound_to: opt.models for opt in training.optimizers if opt.bound_to}
        reported: set[int] = set()
        for scope in training.scopes:
            for loop in reversed(scope.loops):  # innermost first: the loop the step runs in
                inside = [event for event in scope.events if event.in_loop(loop.node)]
                steps = [event for event in inside if event.kind == STEP and not event.has_args
                         and training.is_optimizer(event.receiver)]
                stepped = list(dict.fromkeys(step.receiver for step in steps))
                clears = [event for event in inside if event.kind == ZERO_GRAD]
                if len(stepped) < 2 or not clears:
                    continue
                cleared = _cleared_optimizers(clears, stepped, built_over)
                if cleared is None:
                    continue
                for name in stepped:
                    if name in cleared:
                        continue
                    step = next(step for step in steps if step.receiver == name)
                    if id(step.node) in reported:
                        continue
                    reported.add(id(step.node))
                    others = ", ".join(f"`{other}`" for other in stepped if other in cleared)
                    related = [(loop.node, "the loop")]
                    if step.via is not None:
                        related.append((step.via, "calls the step from the loop"))
                    report(
                        step.node,
                        f"`{name}.step()` runs in the loop at {report.where(loop.node)}, which clears the gradients "
                        f"of {others} but never of `{name}`: its gradients pile up across iterations (and collect "
                        f"what the other losses send through its parameters). Call `{name}.zero_grad()` before "
                        "its backward pass.",
                        related=related,
                    )


def _cleared_optimizers(clears, stepped: list[str], built_over: dict[str, tuple[str, ...]]):
    """The stepped optimizers whose gradients the loop's zero_grad() calls clear, or None
    when one of them clears something nnlint cannot tie to optimizers (it may clear all)."""
    cleared: set[str] = set()
    for clear in clears:
        receiver = clear.receiver
        if receiver in stepped:
            cleared.add(receiver)
            continue
        owners = {name for name, models in built_over.items()
                  if any(_same_module(receiver, model) for model in models)}
        if not receiver or not owners:
            return None
        cleared |= owners
    return cleared


def _same_module(receiver: str, model: str) -> bool:
    """`netD` and `netD.module`; also `self.generator` for the `generator` argument of the
    `__init__` that built the optimizer and kept it as `self.generator`."""
    return same_model(receiver, model) or ("." not in model and receiver == f"self.{model}")
