from nnlint.analysis.facts import AFFINE, LOG_SIGMOID, LOG_SOFTMAX, RELU, TANH
from nnlint.rules.base import Rule

_UNBOUNDED = {
    AFFINE: "raw scores",
    RELU: "ReLU output (unbounded above)",
    TANH: "tanh output (negative values)",
    LOG_SOFTMAX: "log-probabilities (negative values)",
    LOG_SIGMOID: "log-probabilities (negative values)",
}


class LogitsIntoBce(Rule):
    """
    ## What it does
    Finds `nn.BCELoss` / `F.binary_cross_entropy` whose input comes straight from a
    `Linear`/`Conv` layer, a ReLU, a tanh or a log-softmax: values that are not
    probabilities in [0, 1].

    ## Why is this bad?
    `BCELoss` takes `log(input)` and `log(1 - input)`. Outside [0, 1] these are NaN,
    and PyTorch stops with "all elements of input should be between 0 and 1" at the
    first batch where it happens, or trains on clamped, meaningless values. Adding a
    sigmoid in front works but is numerically weaker than the fused loss.

    ## Example
    ```python
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 1))
    loss = nn.BCELoss()(model(x), y)
    ```

    ## Use instead
    ```python
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 1))
    loss = nn.BCEWithLogitsLoss()(model(x), y)
    ```

    ## How dynamic mode confirms it
    `check --dynamic` confirms the finding when the model's output leaves [0, 1] on varied inputs.

    ## When to ignore it
    When a sigmoid is applied in a way nnlint does not follow (e.g. inside a custom
    layer defined in another package).
    """

    code = "NNL104"
    reads = ("values",)
    checks_test_code = False
    name = "logits-into-bce"
    summary = "Unbounded scores (not probabilities) are fed to BCELoss."
    fix_hint = "Use BCEWithLogitsLoss on the raw scores (or apply a sigmoid first)."
    severity = "error"
    invalid = (
        """\
import torch.nn as nn

model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 1))
criterion = nn.BCELoss()

def step(x, y):
    return criterion(model(x), y)  # <--
""",
        """\
import torch.nn as nn
import torch.nn.functional as F

class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 1)
    def forward(self, x):
        return self.fc2(F.leaky_relu(self.fc1(x), 0.2))

def d_loss(real, y):
    disc = Discriminator()
    return F.binary_cross_entropy(disc(real), y)  # <--
""",
    )
    valid = (
        """\
import torch.nn as nn

model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 1), nn.Sigmoid())
criterion = nn.BCELoss()

def step(x, y):
    return criterion(model(x), y)
""",
        """\
import torch
import torch.nn.functional as F

def step(model, x, y):
    return F.binary_cross_entropy(torch.sigmoid(model(x)), y)
""",
    )

    def check(self, facts, report) -> None:
        for call, output in facts.loss_inputs("BCELoss"):
            described = _UNBOUNDED.get(output.op)
            if described is None:
                continue
            report(
                call.node,
                f"{call.spelled} gets {described} from {report.where(output.node)}, not probabilities in "
                "[0, 1]; the loss is NaN or fails at run time. Use BCEWithLogitsLoss on the raw scores.",
                related=[(output.node, "the values reaching the loss are produced here")],
            )
