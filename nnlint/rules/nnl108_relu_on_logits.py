from nnlint import catalogue
from nnlint.analysis.facts import LOG_SOFTMAX, RELU
from nnlint.catalogue.ranges import LOG_PROBABILITIES, LOGITS
from nnlint.rules.base import Rule

_LOGIT_LOSSES = catalogue.losses_taking(LOGITS)
_LOG_PROBABILITY_LOSSES = catalogue.losses_taking(LOG_PROBABILITIES)


class ReluOnLogits(Rule):
    """
    ## What it does
    Finds a ReLU as the last operation before a loss that expects logits
    (`CrossEntropyLoss`, `BCEWithLogitsLoss`, `MultiLabelSoftMarginLoss`,
    `MultiMarginLoss`, `MultiLabelMarginLoss`, `SoftMarginLoss`), in the model's `forward`, its `Sequential`, or the training step;
    and a ReLU whose output `log_softmax` turns into the log-probabilities of `NLLLoss` or
    `KLDivLoss` (`F.log_softmax(F.relu(self.fc2(x)), dim=1)`).

    ## Why is this bad?
    Logits must be free to go negative: that is how a model says "not this class". After a
    ReLU every logit is `>= 0`, and a logit pushed below zero gets no gradient and stays at
    0. Whole classes die, and the network ends up predicting one class (the seed's
    "dying ReLU").

    ## Example
    ```python
    self.classifier = nn.Sequential(nn.Linear(512, 10), nn.ReLU())
    loss = F.cross_entropy(self.classifier(h), y)
    ```

    ## Use instead
    ```python
    self.classifier = nn.Sequential(nn.Linear(512, 10))
    loss = F.cross_entropy(self.classifier(h), y)
    ```

    ## How dynamic mode confirms it
    `check --dynamic` confirms the finding when the model's output is never negative over 64
    varied inputs.

    ## When to ignore it
    Never for logits; a ReLU belongs between hidden layers, not after the last one.
    """

    code = "NNL108"
    reads = ("values",)
    checks_test_code = False
    name = "relu-on-logits"
    summary = "A ReLU is the last operation before a loss that expects logits."
    fix_hint = "Remove the final ReLU: the last layer should output raw logits."
    invalid = (
        """\
import torch.nn as nn
import torch.nn.functional as F

class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Sequential(nn.Linear(512, 128), nn.ReLU(), nn.Linear(128, 10), nn.ReLU())  # <--
    def forward(self, h):
        return self.head(h)

def step(model, h, y):
    return F.cross_entropy(model(h), y)
""",
        """\
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)
    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))  # <--
        return F.log_softmax(x, dim=1)

def step(model, x, y):
    return F.nll_loss(model(x), y)
""",
    )
    valid = (
        """\
import torch.nn as nn
import torch.nn.functional as F

class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Sequential(nn.Linear(512, 128), nn.ReLU(), nn.Linear(128, 10))
    def forward(self, h):
        return self.head(h)

def step(model, h, y):
    return F.cross_entropy(model(h), y)
""",
        """\
import torch.nn as nn
import torch.nn.functional as F

class GraphNet(nn.Module):
    def __init__(self, num_layers=3):
        super().__init__()
        self.num_layers = num_layers
        self.convs = nn.ModuleList([nn.Linear(64, 64) for _ in range(num_layers)])
    def forward(self, x):
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if i != self.num_layers - 1:  # no ReLU after the last layer
                x = F.relu(x)
        return x.log_softmax(dim=-1)

def step(model, x, y):
    return F.nll_loss(model(x), y)
""",
        # The layers applied after the ReLU come from a collection nnlint cannot list (the
        # last three modules, a Linear last): what reaches the loss is not the ReLU's output.
        """\
import torch.nn as nn

class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Conv2d(1, 16, 5)
        self.act = nn.ReLU()
        self.fc1 = nn.Linear(9216, 100)
        self.act2 = nn.ReLU()
        self.fc2 = nn.Linear(100, 10)
    def forward(self, x):
        out = self.act(self.layer(x)).flatten(1)
        for module in list(self.modules())[-3:]:
            out = module(out)
        return out

loss = nn.CrossEntropyLoss()(CNN()(images), labels)
""",
    )

    def check(self, facts, report) -> None:
        for call, output in facts.loss_inputs(*_LOG_PROBABILITY_LOSSES):
            scores = output.scores
            if output.op == LOG_SOFTMAX and scores is not None and scores.op == RELU:
                report(
                    scores.node,
                    f"ReLU output is turned into log-probabilities by {report.where(output.node)} and fed "
                    f"to {call.spelled} ({report.where(call.node)}): the scores can never go negative and "
                    "those pushed below zero stop learning. Remove the final ReLU.",
                    related=[(output.node, "log_softmax of the non-negative scores"),
                             (call.node, f"{call.spelled} is trained on them here")],
                )
        for call, output in facts.loss_inputs(*_LOGIT_LOSSES):
            if output.op == RELU:
                report(
                    output.node,
                    f"ReLU output is fed to {call.spelled} ({report.where(call.node)}) as logits: logits can "
                    "never go negative and those pushed below zero stop learning. Remove the final ReLU.",
                    related=[(call.node, f"{call.spelled} expects unbounded logits here")],
                )
