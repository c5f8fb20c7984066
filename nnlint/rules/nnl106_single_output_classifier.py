from nnlint.analysis.facts import AFFINE
from nnlint.rules.base import Rule


class SingleOutputClassifier(Rule):
    """
    ## What it does
    Finds a softmax taken over a single output unit (a `Linear(..., 1)` or a one-channel
    `Conv`), and a one-unit output trained with `CrossEntropyLoss`.

    ## Why is this bad?
    A softmax over one value is always exactly 1.0: the output never changes and the
    gradient through it is zero, so nothing before it learns. Cross-entropy over one
    logit sees a single class: the target must be 0 and the loss is always 0. This is a
    model "which cannot possibly predict what you want" (the seed).

    ## Example
    ```python
    self.out = nn.Linear(hidden, 1)
    ...
    return torch.softmax(self.out(h), dim=-1)
    ```

    ## Use instead
    ```python
    self.out = nn.Linear(hidden, 1)
    ...
    return self.out(h)  # a logit; train with BCEWithLogitsLoss, predict with sigmoid
    # or: nn.Linear(hidden, num_classes) with CrossEntropyLoss
    ```

    ## How dynamic mode confirms it
    `check --dynamic` confirms the finding when the model's output has a single unit; a
    softmax over it also shows up as NNL903 (the same output for every input).

    ## When to ignore it
    A width that nnlint reads from a default argument (`n_out=1`) which every real
    caller overrides; pass the width explicitly at the call nnlint sees, or suppress.
    """

    code = "NNL106"
    reads = ("values",)
    checks_test_code = False  # a test's Softmax() or one-unit head is a placeholder
    name = "single-output-classifier"
    summary = "Softmax over a single unit (always 1.0), or a one-unit output trained with cross-entropy."
    fix_hint = "Use sigmoid/BCEWithLogitsLoss for one unit, or one output unit per class with CrossEntropyLoss."
    severity = "error"
    supersedes = ("NNL101", "NNL105", "NNL107")
    invalid = (
        """\
import torch
import torch.nn as nn

class MicroNet(nn.Module):
    def __init__(self, n_in=2, n_hidden=8, n_out=1):
        super().__init__()
        self.l1 = nn.Linear(n_in, n_hidden)
        self.l2 = nn.Linear(n_hidden, n_out)
    def forward(self, x):
        return torch.softmax(self.l2(torch.sigmoid(self.l1(x))), dim=-1)  # <--

net = MicroNet()
""",
        """\
import torch.nn as nn

model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))  # <--
criterion = nn.CrossEntropyLoss()

def step(x, y):
    return criterion(model(x), y)
""",
    )
    valid = (
        """\
import torch
import torch.nn as nn

class MicroNet(nn.Module):
    def __init__(self, n_out=1):
        super().__init__()
        self.l2 = nn.Linear(8, n_out)
    def forward(self, x):
        return torch.softmax(self.l2(x), dim=-1)

net = MicroNet(n_out=4)
""",
        """\
import torch.nn as nn

model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1), nn.Sigmoid())
criterion = nn.BCELoss()

def step(x, y):
    return criterion(model(x), y)
""",
    )

    def check(self, facts, report) -> None:
        for output in facts.one_unit_softmaxes:
            report(
                output.node,
                f"{output.op} over a single output unit is constant (always {'1.0' if output.op == 'softmax' else '0.0'}); "
                "the model cannot learn anything through it. Use a sigmoid for one unit, or one unit per class.",
            )
        for call, output in facts.loss_inputs("CrossEntropyLoss"):
            if output.op == AFFINE and output.width == 1:
                report(
                    output.node,
                    f"a one-unit output is trained with {call.spelled} ({report.where(call.node)}): with a "
                    "single class the loss is always 0 and nothing is learned. Use BCEWithLogitsLoss, or one "
                    "output unit per class.",
                    related=[(call.node, f"{call.spelled} sees a single class here")],
                )
