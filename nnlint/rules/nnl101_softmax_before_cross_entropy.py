from nnlint.analysis.facts import SIGMOID, SOFTMAX
from nnlint.fix.activation_removal import remove_activation
from nnlint.fix.proposal import UNSAFE
from nnlint.rules.base import Rule


class SoftmaxBeforeCrossEntropy(Rule):
    """
    ## What it does
    Finds a softmax (or sigmoid) whose output reaches `nn.CrossEntropyLoss` or
    `F.cross_entropy`: in `forward`, in an `nn.Sequential`, or just before the loss in
    the training or validation step. The finding sits on the activation to remove; the
    message names the loss.

    ## Why is this bad?
    `CrossEntropyLoss` applies `log_softmax` to its input itself: it expects raw logits.
    Given probabilities, it squashes values already in [0, 1] a second time, so the
    loss can barely move and the gradients shrink: the network learns slowly or ends up
    predicting the same class for everything (the seed's "wrong activation function in
    the final layer").

    ## Example
    ```python
    class Net(nn.Module):
        def forward(self, x):
            return F.softmax(self.fc(x), dim=1)

    loss = nn.CrossEntropyLoss()(net(x), y)
    ```

    ## Use instead
    ```python
    class Net(nn.Module):
        def forward(self, x):
            return self.fc(x)  # logits

    loss = nn.CrossEntropyLoss()(net(x), y)
    probs = net(x).softmax(dim=1)  # only where probabilities are wanted
    ```

    ## Fix
    `--fix --unsafe-fixes` removes the activation where that is unambiguous: a softmax call
    passed straight to the loss (`F.cross_entropy(F.softmax(out, dim=1), y)` → `F.cross_entropy(out, y)`), one that
    `forward` returns as it is (`return F.softmax(out, dim=1)` → `return out`), or an `nn.Softmax()` that
    ends an `nn.Sequential` (the layer is dropped). An activation kept on `self` and applied
    somewhere in `forward`, or stored in a variable, is reported but not fixed. It is unsafe
    because the model's output changes from probabilities to logits: code that wanted
    probabilities from it (predictions, thresholds, exported models) must apply the
    softmax itself.

    ## How dynamic mode confirms it
    `check --dynamic` runs the model on 64 varied inputs and confirms the finding when the
    model's output rows are non-negative and sum to one (or lie in [0, 1], for a sigmoid).
    It sees the model's own output only: a softmax applied in a training step is "not checked".

    ## When to ignore it
    Never for a softmax. `log_softmax` before `CrossEntropyLoss` is *not* reported:
    `log_softmax` is idempotent, so the loss and its gradients are exactly those of the
    logits; it is redundant, not wrong.
    """

    code = "NNL101"
    reads = ("architecture", "values")
    checks_test_code = False
    name = "softmax-before-cross-entropy"
    summary = "Softmax (or sigmoid) output is fed to a cross-entropy loss, which expects logits."
    fix_hint = "Remove the activation and pass the logits; apply softmax only where probabilities are needed."
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

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(128, 10)
        self.head = nn.Sequential(
            nn.Linear(10, 10),
            nn.Softmax(dim=1),  # probabilities
        )

    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)

def train(net, head, loader, optimizer):
    criterion = nn.CrossEntropyLoss()
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(net(x), y) + F.cross_entropy(torch.softmax(head(x), 1), y)
        loss = loss + criterion(net.head(x), y)
        loss.backward()
        optimizer.step()
""",
            """\
import torch
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(128, 10)
        self.head = nn.Sequential(
            nn.Linear(10, 10),  # probabilities
        )

    def forward(self, x):
        return self.fc(x)

def train(net, head, loader, optimizer):
    criterion = nn.CrossEntropyLoss()
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(net(x), y) + F.cross_entropy(head(x), y)
        loss = loss + criterion(net.head(x), y)
        loss.backward()
        optimizer.step()
""",
        ),
        (
            # Kept on self and applied in forward, or stored in a variable: reported, not fixed.
            """\
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(128, 10)
        self.act = nn.Softmax(dim=1)

    def forward(self, x):
        return self.act(self.fc(x))

def step(net, x, y):
    probs = F.softmax(net.fc(x), dim=1)
    return nn.CrossEntropyLoss()(net(x), y) + F.cross_entropy(probs, y)
""",
            """\
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(128, 10)
        self.act = nn.Softmax(dim=1)

    def forward(self, x):
        return self.act(self.fc(x))

def step(net, x, y):
    probs = F.softmax(net.fc(x), dim=1)
    return nn.CrossEntropyLoss()(net(x), y) + F.cross_entropy(probs, y)
""",
        ),
    )
    invalid = (
        """\
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(128, 10)
    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)  # <--

def train(loader):
    net = Net()
    criterion = nn.CrossEntropyLoss()
    for x, y in loader:
        loss = criterion(net(x), y)
""",
        """\
import torch
from torch import nn

head = nn.Sequential(nn.Linear(64, 5), nn.Softmax(dim=-1))  # <--

def step(x, y):
    return torch.nn.functional.cross_entropy(head(x), y)
""",
        """\
import torch
import torch.nn as nn

def validation_step(model, batch, criterion=nn.CrossEntropyLoss()):
    x, y = batch
    scores = torch.softmax(model(x), dim=1)  # <--
    return criterion(scores, y)
""",
    )
    valid = (
        """\
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(128, 10)
    def forward(self, x):
        logits = self.fc(x)
        return logits, F.softmax(logits, dim=1)

def train(net, loader):
    for x, y in loader:
        logits, probs = net(x)
        loss = F.cross_entropy(logits, y)
""",
        """\
import torch
import torch.nn.functional as F

def step(model, x, y):
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    accuracy = (logits.softmax(dim=1).argmax(1) == y).float().mean()
    return loss, accuracy
""",
        """\
import torch.nn.functional as F

def step(logits, y):
    return F.cross_entropy(F.log_softmax(logits, dim=1), y)
""",
    )

    def check(self, facts, report) -> None:
        for call, output in facts.loss_inputs("CrossEntropyLoss"):
            if output.op == SOFTMAX:
                report(
                    output.node,
                    f"softmax output is fed to {call.spelled} ({report.where(call.node)}), which applies "
                    "log-softmax itself; the network learns slowly or predicts one class. Return the logits.",
                    related=[(call.node, f"{call.spelled} applies log-softmax to this input")],
                    fix=remove_activation(facts, call, output),
                )
            elif output.op == SIGMOID:
                report(
                    output.node,
                    f"sigmoid output is fed to {call.spelled} ({report.where(call.node)}), which expects raw "
                    "logits; values squashed into (0, 1) leave the loss almost flat. Pass the logits.",
                    related=[(call.node, f"{call.spelled} expects logits here")],
                    fix=remove_activation(facts, call, output),
                )
