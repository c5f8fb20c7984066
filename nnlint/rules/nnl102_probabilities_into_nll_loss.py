from nnlint.analysis.facts import AFFINE, PROBABILITY_RANGES
from nnlint.rules.base import Rule


class ProbabilitiesIntoNllLoss(Rule):
    """
    ## What it does
    Finds `nn.NLLLoss` / `F.nll_loss` fed with softmax (or sigmoid) probabilities, a
    distribution normalised by hand (`q / q.sum(1, keepdim=True)`), or the raw output of a
    `Linear`/`Conv` layer, instead of log-probabilities.

    ## Why is this bad?
    `NLLLoss` computes `-input[target]` and nothing else: it expects `log_softmax`
    output. Fed probabilities, it maximises a probability linearly, whose gradient
    vanishes for the confident mistakes that matter; fed raw scores, it has no lower
    bound and diverges. Either way the model does not learn the classes (the seed's
    "wrong activation function in the final layer").

    ## Example
    ```python
    out = F.softmax(self.fc(x), dim=1)
    loss = F.nll_loss(out, y)
    ```

    ## Use instead
    ```python
    out = F.log_softmax(self.fc(x), dim=1)
    loss = F.nll_loss(out, y)
    # or: loss = F.cross_entropy(self.fc(x), y)
    ```

    ## How dynamic mode confirms it
    `check --dynamic` confirms the finding unless the model's output rows are
    log-probabilities (all `<= 0`, `exp` of each row summing to one).

    ## When to ignore it
    When the input really is log-probabilities computed in a way nnlint does not follow.
    """

    code = "NNL102"
    reads = ("values",)
    checks_test_code = False
    name = "probabilities-into-nll-loss"
    summary = "Softmax probabilities or raw scores are fed to NLLLoss, which expects log-probabilities."
    fix_hint = "Use log_softmax instead of softmax before NLLLoss, or CrossEntropyLoss on the logits."
    severity = "error"
    supersedes = ("NNL107",)
    invalid = (
        """\
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(20, 3)
    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)  # <--

def fit(x, y):
    model = Net()
    return F.nll_loss(model(x), y)
""",
        """\
import torch.nn as nn

model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 3))
criterion = nn.NLLLoss()

def fit(x, y):
    return criterion(model(x), y)  # <--
""",
    )
    valid = (
        """\
import torch.nn as nn
import torch.nn.functional as F

model = nn.Sequential(nn.Linear(20, 3), nn.LogSoftmax(dim=1))

def fit(x, y):
    return F.nll_loss(model(x), y)
""",
        """\
import torch
import torch.nn.functional as F

def fit(logits, y):
    return F.nll_loss(torch.log(F.softmax(logits, dim=1)), y)
""",
    )

    def check(self, facts, report) -> None:
        for call, output in facts.loss_inputs("NLLLoss"):
            where = report.where(call.node)
            if output.op in PROBABILITY_RANGES:
                report(
                    output.node,
                    f"{output.op} output (probabilities) is fed to {call.spelled} ({where}), which expects "
                    "log-probabilities; the loss is wrong and learning stalls. Use log_softmax.",
                    related=[(call.node, f"{call.spelled} expects log-probabilities here")],
                )
            elif output.op == AFFINE:
                report(
                    call.node,
                    f"raw scores from {report.where(output.node)} are fed to {call.spelled}, which expects "
                    "log-probabilities; the loss has no lower bound and diverges. Apply log_softmax first "
                    "or use CrossEntropyLoss.",
                    related=[(output.node, "the scores come from this layer without log_softmax")],
                )
