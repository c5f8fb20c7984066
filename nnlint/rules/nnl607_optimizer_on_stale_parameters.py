from nnlint.rules.base import Rule


class OptimizerOnStaleParameters(Rule):
    """
    ## What it does
    Finds an optimizer built from `model.parameters()` after which `model` is re-bound
    to a new instance (`model = Net(...)`, a model factory, `copy.deepcopy(model)`) while
    the optimizer is kept and stepped afterwards: later in the same function, in the same
    loop, or — at module level — in a training function the module has not run before the
    re-binding. Re-bindings that keep the same parameters (`model = model.to(device)`,
    `nn.DataParallel(model)`, `torch.compile(model)`) are not reported, nor is a model
    re-created for evaluation after training is done.

    ## Why is this bad?
    The optimizer holds references to the *old* model's tensors. `optimizer.step()` keeps
    updating parameters that no code uses any more, while the model that is trained and
    evaluated keeps its random initialization: the loss never improves and the predictions
    stay those of an untrained network — the seed's "buggy training algorithm".

    ## Example
    ```python
    rnn = RNN(n_letters, n_hidden, n_categories)
    optimizer = torch.optim.SGD(rnn.parameters(), lr=0.005)
    ...
    rnn = RNN(n_letters, n_hidden, n_categories)  # the optimizer still holds the first one
    ```

    ## Use instead
    ```python
    rnn = RNN(n_letters, n_hidden, n_categories)
    optimizer = torch.optim.SGD(rnn.parameters(), lr=0.005)  # built from the model that is trained
    ```

    ## How dynamic mode confirms it
    Not checked: `check --dynamic` builds and probes models, it does not run training or
    evaluation code, so this finding gets "not checked" with that reason.

    ## When to ignore it
    When the new model is only loaded for evaluation and the optimizer is never stepped
    again, in code nnlint cannot follow (the step in another file).

    ## Precision
    Opt-in (enable it with `--extend-select NNL607`). On the held-out precision sets 2 of its
    3 findings were real (docs/precision.md, fifth held-out check); the false alarm was a
    model whose `optimizer` is a `@property` that builds a new optimizer from the current
    parameters each time it is read.
    """

    code = "NNL607"
    default_enabled = False  # under 90 % pooled on the held-out precision sets (docs/precision.md)
    reads = ("training",)
    name = "optimizer-on-stale-parameters"
    summary = "An optimizer built from a model that is then replaced: step() updates parameters nobody uses."
    fix_hint = "Build the optimizer after the final model instance exists, or rebuild it after re-binding the model."
    severity = "error"
    invalid = (
        """\
import torch
import torch.nn as nn

rnn = nn.RNN(57, 128)
optimizer = torch.optim.SGD(rnn.parameters(), lr=0.005)

def train(x, h):
    optimizer.zero_grad()
    out, h = rnn(x, h)
    out.sum().backward()
    optimizer.step()

rnn = nn.RNN(57, 128)  # <--
""",
        """\
import copy
import torch

def run(model, loader, folds):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for fold in folds:
        model = copy.deepcopy(model)  # <--
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
""",
    )
    valid = (
        """\
import torch
import torch.nn as nn

def main(loader, device):
    model = nn.Linear(10, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model = model.to(device)
    model = nn.DataParallel(model)
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
""",
        """\
import torch
import torch.nn as nn

def main(loader):
    model = nn.Linear(10, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    torch.save(model.state_dict(), "m.pt")
    model = nn.Linear(10, 2)  # evaluation copy; the optimizer is done
    model.load_state_dict(torch.load("m.pt"))
""",
        """\
import torch
import torch.nn as nn

def cross_validate(loader, folds):
    for fold in folds:
        model = nn.Linear(10, 2)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        for x, y in loader:
            optimizer.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
""",
    )

    def check(self, facts, report) -> None:
        training = facts.training
        if training is None:
            return
        for stale in training.stale_optimizers:
            optimizer = stale.optimizer
            related = [(optimizer.node, f"{optimizer.bound_to} built from {stale.model}'s parameters")]
            if stale.use is not None:
                related.append((stale.use, f"{optimizer.bound_to} is stepped after the re-binding"))
            report(
                stale.rebinding,
                f"{stale.model} is re-bound to a new model after {optimizer.bound_to} was built from its "
                f"parameters ({report.where(optimizer.node)}): {optimizer.bound_to}.step() keeps updating the "
                f"old parameters and the new {stale.model} never trains. Build the optimizer after the final "
                "model exists.",
                related=related,
            )
