import re
from typing import Optional

import libcst as cst

from nnlint.analysis.paths.forward_receivers import ForwardReceivers
from nnlint.fix.proposal import SAFE, SyntaxFix
from nnlint.rules.base import Rule

# Remote-module proxies (torch.distributed.rpc) expose `forward` as their calling API.
_REMOTE = re.compile(r"remote|rref|rpc", re.IGNORECASE)


class ForwardCalledDirectly(Rule):
    """
    ## What it does
    Finds `model.forward(x)`, `self.net.forward(x)` or `criterion.forward(out, y)`: a
    module's `forward` called directly instead of calling the module (`model(x)`).
    Calling a parent class's forward — `super().forward(x)`, `nn.Linear.forward(self, x)`
    — and a module calling its own `self.forward(...)` from another of its methods are not
    reported.

    ## Why is this bad?
    `nn.Module.__call__` does more than `forward`: it runs forward pre-hooks and hooks
    (weight norm, spectral norm, pruning masks, quantization observers, activation
    checkpointing and profiling tools are hooks), backward hooks, and the
    `torch.compile`/`DistributedDataParallel` wrappers' logic. Calling `forward` directly
    skips all of them silently: a spectral-normalized discriminator trains without its
    normalization, a pruned model uses its unpruned weights, a DDP model stops
    synchronizing gradients. Results quietly differ from what the code says.

    ## Example
    ```python
    fx = model.forward(x_val)
    output = loss.forward(fx, y_val)
    ```

    ## Use instead
    ```python
    fx = model(x_val)
    output = loss(fx, y_val)
    ```

    ## Fix
    `--fix` drops `.forward`: `model.forward(x)` becomes `model(x)`, arguments unchanged.
    It is safe in the sense that the code then does what it says — the hooks run, as they
    do for every other call of the module.

    ## How dynamic mode confirms it
    Not checked: `check --dynamic` builds and probes models, it does not run training or
    evaluation code, so this finding gets "not checked" with that reason.

    ## When to ignore it
    When hooks must be bypassed on purpose (inside a hook, or a wrapper that calls the
    wrapped module's `forward` to avoid running its hooks twice), and for objects whose
    `forward` is not an `nn.Module`'s (RPC remote modules, custom autograd functions
    called through `Function.apply`). nnlint already stays silent on a wrapper's
    `forward(self, *args, **kwargs)` passing exactly those on to `self.model.forward`, on
    elements of plain `dict`/`list` attributes (strategy objects, not registered
    submodules), on `helper.forward(self, ...)` (an object handed the module), and, in files using skorch or TorchScript custom classes (whose objects
    have `forward` as API), on receivers not bound to a torch.nn construction.

    Nor is it reported on a module the file builds itself (every binding of the name is a
    class construction, `self.projection_head = ProjectionHead(...)`, `model = Net()`) when
    nothing in the file installs a hook or a hook-based wrapper (`register_forward_hook`,
    weight or spectral norm, pruning, `parametrize`, DDP/FSDP, `torch.compile`,
    `accelerator.prepare`; catalogue `HOOK_INSTALLERS`): calling such a module runs its
    `forward` and nothing else. A module handed in (a parameter, `self.model = model`, a
    `from_pretrained()` model, a loop's element) may carry hooks its owner registered and is
    still reported. Test files are not checked: a test calling `forward` exercises it.

    ## Precision
    Opt-in (enable it with `--extend-select NNL604`). Before modules built in the file and
    test files were left out, 4 of 20 findings read on the precision corpus were mistakes
    worth fixing, 1 of 25 on the first held-out set and 2 of 25 on the second
    (docs/precision.md): unit tests calling `forward` on fresh modules, self-supervised
    training steps calling their own projection heads, loss modules calling their inner
    losses, tutorials calling the model they just built. What stays reported is the real
    risk those sets showed: a general wrapper (an adversarial-debiasing wrapper, a kNN
    benchmark, a float-cast wrapper) calling `forward` on a user's model, whose hooks it
    skips.
    """

    code = "NNL604"
    reads = ("training", "values")
    default_enabled = False
    checks_test_code = False
    name = "forward-called-directly"
    summary = "module.forward(x) called directly instead of module(x): hooks are skipped."
    fix_hint = "Call the module itself: model(x) instead of model.forward(x)."
    fix_availability = "always"
    fix_applicability = SAFE
    invalid = (
        """\
import torch

def train(model, loss, optimizer, x_val, y_val):
    optimizer.zero_grad()
    fx = model.forward(x_val)  # <--
    output = loss.forward(fx, y_val)  # <--
    output.backward()
    optimizer.step()
""",
        """\
import torch.nn as nn

class Wrapper(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = nn.utils.spectral_norm(net)

    def forward(self, x):
        return self.net.forward(x)  # <--
""",
    )
    fix_examples = (
        (
            """\
import torch

def evaluate(model, criterion, x, y):
    out = model.forward(x)  # a comment stays
    return criterion.forward(out,
                             y)
""",
            """\
import torch

def evaluate(model, criterion, x, y):
    out = model(x)  # a comment stays
    return criterion(out,
                             y)
""",
        ),
        (
            """\
import torch.nn as nn

class Wrapper(nn.Module):
    def forward(self, x):
        return (self.net
                .forward(x))
""",
            """\
import torch.nn as nn

class Wrapper(nn.Module):
    def forward(self, x):
        return (self.net(x))
""",
        ),
    )
    valid = (
        """\
import torch.nn as nn

class Bottle(nn.Linear):
    def forward(self, x):
        size = x.size()
        out = super().forward(x.view(size[0] * size[1], -1))
        return nn.Linear.forward(self, out).view(size[0], size[1], -1)

    def loss(self, x, y):
        return nn.functional.mse_loss(self.forward(x), y)  # the module's own forward
""",
        """\
import torch

def predict(model, x):
    with torch.no_grad():
        return model(x)
""",
        """\
import torch.nn as nn

class SimSiam(nn.Module):
    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone
        self.predictor = nn.Sequential(nn.Linear(2048, 512), nn.ReLU(), nn.Linear(512, 2048))

    def step(self, x0, x1):
        z0, z1 = self.backbone(x0), self.backbone(x1)
        p0 = self.predictor.forward(z0)  # built here, no hook anywhere in the file: nothing skipped
        return -nn.functional.cosine_similarity(p0, z1.detach()).mean()
""",
    )

    def check(self, facts, report) -> None:
        training = facts.training
        if training is None:
            return
        receivers = None
        for call in training.forward_calls:
            if call.class_qualified or not call.receiver or call.receiver == "self":
                continue
            if _REMOTE.search(call.receiver):
                continue
            receivers = receivers or ForwardReceivers(facts)
            if not receivers.goes_around_hooks(call.node, call.receiver):
                continue
            report(
                call.node,
                f"{call.receiver}.forward(...) calls forward directly and skips the module's hooks (spectral/weight "
                f"norm, pruning, DDP, profiling); call {call.receiver}(...) instead.",
                fix=_call_the_module(call.node, call.receiver),
            )


def _call_the_module(call: cst.Call, receiver: str) -> Optional[SyntaxFix]:
    """`model.forward(x)` -> `model(x)`."""
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value != "forward":
        return None
    return SyntaxFix.replace(func, func.value, f"Call `{receiver}(...)` instead of `{receiver}.forward(...)`", SAFE)
