from nnlint.rules.base import Rule

_WRAPPERS = {"list": "nn.ModuleList", "tuple": "nn.ModuleList", "dict": "nn.ModuleDict"}
_PARAMETER_WRAPPERS = {"list": "nn.ParameterList", "tuple": "nn.ParameterList", "dict": "nn.ParameterDict"}


class UnregisteredSubmodule(Rule):
    """
    ## What it does
    Finds layers (or `nn.Parameter`s) that an `nn.Module` keeps in a plain Python `list`,
    `tuple` or `dict` attribute: `self.layers = [nn.Linear(d, d) for _ in range(n)]`,
    `self.heads = {"a": nn.Linear(...)}`, or a local list filled with `append` and then
    stored on `self`. The layers are followed as the interpreter evaluates `__init__`: a list
    attribute grown with `self.layers.append(...)` in a loop, a tuple of local names bound to
    layers earlier (`self.stages = (body, head)`), layers returned by a helper of the file or
    built by name (`getattr(nn, cfg["type"])(...)` with the string in the file). Layers built
    outside the class and passed in, and layers also registered some other way (an attribute
    of their own, a Sequential, `add_module`, `setattr`), are not reported.

    ## Why is this bad?
    `nn.Module` registers a submodule only when it is assigned directly to an attribute or
    held by `nn.ModuleList` / `nn.ModuleDict` (parameters: `nn.ParameterList` /
    `ParameterDict`). Layers in a plain container are invisible to it: their weights are not
    in `model.parameters()`, so the optimizer never updates them; `model.to(device)`,
    `model.half()` and `model.eval()` skip them; `state_dict()` does not save them. The
    model trains with those layers frozen at their random initial weights (or fails with a
    device mismatch on GPU) — the seed's "buggy training".

    ## Example
    ```python
    class MLP(nn.Module):
        def __init__(self, d, n):
            super().__init__()
            self.layers = [nn.Linear(d, d) for _ in range(n)]
    ```

    ## Use instead
    ```python
    class MLP(nn.Module):
        def __init__(self, d, n):
            super().__init__()
            self.layers = nn.ModuleList(nn.Linear(d, d) for _ in range(n))
    ```

    ## How dynamic mode confirms it
    `check --dynamic` builds the model and finds the modules kept in plain lists, tuples or
    dicts that are missing from `model.parameters()`. *Confirmed*, with their parameter
    count, and what follows from it: forward never calls them, so one backward pass gives
    them no gradient; or forward calls them and backward does give them gradients (autograd
    follows any tensor), but an optimizer built from `parameters()` never updates them.
    *Not confirmed* when every submodule of the built model is registered.

    ## When to ignore it
    When the layers are registered some other way: `self.add_module(...)` for each, wrapped
    later (`self.net = nn.Sequential(*self.layers)`, `nn.ModuleList(self.layers)`), or
    also assigned to attributes of their own (`self.fc1 = nn.Linear(...)`;
    `self.layers = [self.fc1, self.fc2]`). The rule does not report these. Keeping a module
    out of `parameters()` on purpose (a frozen teacher) is clearer with
    `requires_grad_(False)` and a registered attribute.

    ## Precision
    Opt-in (enable it with `--extend-select NNL302`). Its only held-out finding (the fifth
    held-out set, docs/precision.md) was not real: the plain list held project modules that
    wrap only a parameterless `nn.AvgPool1d`, so nothing was left out of `parameters()`.
    """

    code = "NNL302"
    default_enabled = False  # under 90 % pooled on the held-out precision sets (docs/precision.md)
    reads = ("initialization",)
    checks_test_code = False
    name = "unregistered-submodule"
    summary = "Layers kept in a plain list/dict/tuple attribute: not trained, not moved to the device."
    fix_hint = "Use nn.ModuleList / nn.ModuleDict (nn.ParameterList / ParameterDict for parameters)."
    severity = "error"
    invalid = (
        """\
import torch.nn as nn

class MLP(nn.Module):
    def __init__(self, d, n):
        super().__init__()
        self.layers = [nn.Linear(d, d) for _ in range(n)]  # <--

    def forward(self, x):
        for layer in self.layers:
            x = layer(x).relu()
        return x
""",
        """\
import torch.nn as nn

class Mlp(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.hidden = []  # <--
        for n_in, n_out in zip(sizes, sizes[1:]):
            self.hidden.append(nn.Linear(n_in, n_out))
""",
        """\
import torch
from torch import nn

class MultiHead(nn.Module):
    def __init__(self, d, tasks):
        super().__init__()
        self.trunk = nn.Linear(d, d)
        self.heads = {task: nn.Linear(d, 1) for task in tasks}  # <--
""",
        """\
import torch.nn as nn

class Encoder(nn.Module):
    def __init__(self, channels):
        super().__init__()
        blocks = []
        for c_in, c_out in zip(channels, channels[1:]):
            blocks.append(nn.Conv2d(c_in, c_out, 3))
        self.blocks = blocks  # <--
""",
        """\
import torch
import torch.nn as nn

class Mixture(nn.Module):
    def __init__(self, k, d):
        super().__init__()
        self.means = [nn.Parameter(torch.randn(d)) for _ in range(k)]  # <--
""",
    )
    valid = (
        """\
import torch.nn as nn

class MLP(nn.Module):
    def __init__(self, d, n):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(d, d) for _ in range(n)])
        self.fc1 = nn.Linear(d, d)
        self.fc2 = nn.Linear(d, d)
        self.ordered = [self.fc1, self.fc2]
""",
        """\
import torch.nn as nn

class VGG(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        layers = []
        for v in cfg:
            layers += [nn.Conv2d(3, v, 3, padding=1), nn.ReLU()]
        self.features = nn.Sequential(*layers)
        self.stages = [nn.Linear(4, 4), nn.Linear(4, 4)]
        self.net = nn.Sequential(*self.stages)
""",
        """\
import torch
import torch.nn as nn

def build(d):
    layers = [nn.Linear(d, d), nn.ReLU()]  # not a module attribute
    return nn.Sequential(*layers)

class Pred(nn.Module):
    def __init__(self, d, activation):
        super().__init__()
        self.layers = [nn.Linear(d, d), activation]
        for i, layer in enumerate(self.layers):
            self.add_module(str(i), layer)
        self.blocks = [nn.Linear(d, d)]
        self.blocks = nn.ModuleList(self.blocks)
        self.acts = {"relu": nn.ReLU(), "gelu": nn.GELU()}  # no parameters, no train/eval state

class Config:
    def __init__(self):
        self.layers = [torch.nn.Linear(2, 2)]  # not an nn.Module
""",
        """\
import torch.nn as nn

class Mlp(nn.Module):
    def __init__(self, sizes, act="ReLU"):
        super().__init__()
        self.hidden = nn.ModuleList()
        for n_in, n_out in zip(sizes, sizes[1:]):
            self.hidden.append(nn.Linear(n_in, n_out))
        self.blocks = []
        for i in range(3):
            block = nn.Linear(sizes[-1], sizes[-1])
            setattr(self, f"block{i}", block)  # registered by name
            self.blocks.append(block)
        self.acts = [getattr(nn, act)()]  # no parameters, no train/eval state
""",
    )

    def check(self, facts, report) -> None:
        found = facts.initialization
        if found is None:
            return
        for container in found.plain_containers:
            wrappers = _PARAMETER_WRAPPERS if container.parameters else _WRAPPERS
            what = "parameters" if container.parameters else "layers"
            report(
                container.node,
                f"self.{container.attribute} keeps {what} ({container.element}) in a plain {container.kind}, which "
                f"{container.model} does not register: they are left out of model.parameters() (never trained), "
                f".to(device) and state_dict(). Use {wrappers[container.kind]}.",
            )
