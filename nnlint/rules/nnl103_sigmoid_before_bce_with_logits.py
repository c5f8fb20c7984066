from nnlint.analysis.facts import SIGMOID, SOFTMAX
from nnlint.fix.activation_removal import remove_activation
from nnlint.fix.proposal import UNSAFE
from nnlint.rules.base import Rule


class SigmoidBeforeBceWithLogits(Rule):
    """
    ## What it does
    Finds a sigmoid (or softmax) whose output reaches `nn.BCEWithLogitsLoss` or
    `F.binary_cross_entropy_with_logits`, including through a model's `forward` or an
    `nn.Sequential`, and through what keeps a sigmoid's range (`1 - p`, which is
    `sigmoid(-z)`, `torch.cat([1 - p, p])`, `torch.where(mask, p, 1)`).

    ## Why is this bad?
    The `WithLogits` losses apply the sigmoid themselves. Given probabilities, they
    compute `sigmoid(sigmoid(z))`, which lies in (0.5, 0.73): the model can never
    predict a confident "no", and the loss stays high for every negative example. It is
    the seed's "wrong activation function in the final layer" in its binary form.

    ## Example
    ```python
    probs = torch.sigmoid(logits)
    loss = F.binary_cross_entropy_with_logits(probs, targets)
    ```

    ## Use instead
    ```python
    loss = F.binary_cross_entropy_with_logits(logits, targets)
    probs = torch.sigmoid(logits)  # for metrics and focal weights only
    ```

    ## Fix
    `--fix --unsafe-fixes` removes the activation where that is unambiguous: a sigmoid call
    passed straight to the loss (`F.binary_cross_entropy_with_logits(torch.sigmoid(out), y)` → `F.binary_cross_entropy_with_logits(out, y)`), one that
    `forward` returns as it is (`return torch.sigmoid(out)` → `return out`), or an `nn.Sigmoid()` that
    ends an `nn.Sequential` (the layer is dropped). An activation kept on `self` and applied
    somewhere in `forward`, or stored in a variable, is reported but not fixed. It is unsafe
    because the model's output changes from probabilities to logits: code that wanted
    probabilities from it (predictions, thresholds, exported models) must apply the
    sigmoid itself.

    ## How dynamic mode confirms it
    `check --dynamic` confirms the finding when the model's output lies within [0, 1].

    ## When to ignore it
    Never: if probabilities are what you have, use `BCELoss` instead.
    """

    code = "NNL103"
    reads = ("architecture", "values")
    checks_test_code = False
    name = "sigmoid-before-bce-with-logits"
    summary = "Sigmoid output is fed to BCEWithLogitsLoss, which applies the sigmoid itself."
    fix_hint = "Pass the logits to BCEWithLogitsLoss; keep the sigmoid only for predictions."
    severity = "error"
    supersedes = ("NNL107",)
    fix_availability = "sometimes"
    fix_applicability = UNSAFE
    fix_examples = (
        (
            """\
import torch
import torch.nn as nn
import torch.nn.functional as F

class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 1)

    def forward(self, x):
        return self.fc(x).sigmoid()

def train(model, loader, optimizer):
    bce = nn.BCEWithLogitsLoss()
    for x, y, scores in loader:
        optimizer.zero_grad()
        loss = bce(model(x), y) + F.binary_cross_entropy_with_logits((torch.sigmoid(scores)), y)
        loss.backward()
        optimizer.step()
""",
            """\
import torch
import torch.nn as nn
import torch.nn.functional as F

class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 1)

    def forward(self, x):
        return self.fc(x)

def train(model, loader, optimizer):
    bce = nn.BCEWithLogitsLoss()
    for x, y, scores in loader:
        optimizer.zero_grad()
        loss = bce(model(x), y) + F.binary_cross_entropy_with_logits((scores), y)
        loss.backward()
        optimizer.step()
""",
        ),
    )
    invalid = (
        """\
import torch
import torch.nn.functional as F

def focal_loss(inputs, targets, gamma=2.0):
    probs = torch.sigmoid(inputs)  # <--
    bce = F.binary_cross_entropy_with_logits(probs, targets, reduction="none")
    p_t = probs * targets + (1 - probs) * (1 - targets)
    return (bce * (1 - p_t) ** gamma).mean()
""",
        """\
from torch import nn

class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(32, 4)
        self.act = nn.Sigmoid()  # <--
    def forward(self, x):
        return self.act(self.fc(x))

def train(batches):
    head, bce = Head(), nn.BCEWithLogitsLoss()
    for x, y in batches:
        bce(head(x), y).backward()
""",
    )
    valid = (
        """\
import torch
import torch.nn.functional as F

def focal_loss(inputs, targets, gamma=2.0):
    probs = torch.sigmoid(inputs)
    bce = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = probs * targets + (1 - probs) * (1 - targets)
    return (bce * (1 - p_t) ** gamma).mean()
""",
        """\
from torch import nn

class Token(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.token = nn.Sequential(nn.Linear(dim, 1), nn.Sigmoid())
        self.loss_fn = nn.BCEWithLogitsLoss()
    def forward(self, x):
        return self.token(x)
    def loss(self, x, y):
        return self.loss_fn(self.token[0](x), y)
""",
    )

    def check(self, facts, report) -> None:
        for call, output in facts.loss_inputs("BCEWithLogitsLoss"):
            if output.op in (SIGMOID, SOFTMAX):
                report(
                    output.node,
                    f"{output.op} output is fed to {call.spelled} ({report.where(call.node)}), which applies "
                    "a sigmoid itself; predictions are squeezed into (0.5, 0.73) and negatives are never "
                    "learned. Pass the logits.",
                    related=[(call.node, f"{call.spelled} applies the sigmoid again here")],
                    fix=remove_activation(facts, call, output),
                )
