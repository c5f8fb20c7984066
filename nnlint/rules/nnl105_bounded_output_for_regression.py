from nnlint import catalogue
from nnlint.analysis.facts import RELU
from nnlint.catalogue.ranges import VALUES
from nnlint.rules.base import Rule

_REGRESSION_LOSSES = catalogue.losses_taking(VALUES)


class BoundedOutputForRegression(Rule):
    """
    ## What it does
    Finds a model whose last operation is a ReLU (`F.relu`, `nn.ReLU`, `ReLU6`) and whose
    output is trained with a regression loss (`MSELoss`, `L1Loss`, `SmoothL1Loss`,
    `HuberLoss`), including through helper functions of the same file.

    ## Why is this bad?
    A ReLU on the output has zero gradient wherever its input is negative. One bad
    update or an unlucky initialisation and the output unit sits at 0 for every sample,
    where no gradient can bring it back: the model "predicts only zeros" (the seed's
    "dying ReLU", and "single elements of your targets are negative → don't use ReLU").

    ## Example
    ```python
    def forward(self, x):
        return F.relu(self.out(self.body(x)))  # to keep predictions positive

    loss = F.mse_loss(model(x), y)
    ```

    ## Use instead
    ```python
    def forward(self, x):
        return F.softplus(self.out(self.body(x)))  # positive, gradient everywhere
    # or predict log(y) with no activation, or no activation at all
    ```

    ## How dynamic mode confirms it
    `check --dynamic` confirms the finding when the model's output is never negative over 64
    varied inputs, and says how many outputs were exactly 0.

    ## When to ignore it
    Losses between two feature maps (perceptual / feature-matching losses) where both
    sides come from ReLU layers are not reported. Sigmoid, tanh and softmax outputs are
    not reported either: with targets scaled into their range (min-max scaling to
    [0, 1], images in [-1, 1]) they are a sound choice, and nnlint cannot see the
    targets' range.
    """

    code = "NNL105"
    reads = ("values",)
    checks_test_code = False
    name = "bounded-output-for-regression"
    summary = "A model's output ends in ReLU and is trained with a regression loss (dead outputs)."
    fix_hint = "Drop the final ReLU, or use softplus (or predict the log) to keep outputs positive."
    invalid = (
        """\
import torch.nn as nn
import torch.nn.functional as F

class Approximator(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(1, 64)
        self.out = nn.Linear(64, 1)
    def forward(self, x):
        return F.relu(self.out(F.relu(self.hidden(x))))  # <--

def fit(x, y):
    net = Approximator()
    mse = nn.MSELoss()
    return mse(net(x), y)
""",
        """\
import torch.nn as nn

class DepthNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(),
                                  nn.Conv2d(16, 1, 1), nn.ReLU())  # <--
    def forward(self, x, valid_mask):
        return self.body(x).squeeze(1) * valid_mask

def fit(model, x, mask, depth):
    return nn.functional.l1_loss(model(x, mask), depth)
""",
    )
    valid = (
        """\
import torch.nn as nn
import torch.nn.functional as F

class Approximator(nn.Module):
    def __init__(self):
        super().__init__()
        self.out = nn.Linear(64, 1)
    def forward(self, x):
        return F.softplus(self.out(x))

def fit(x, y):
    return F.mse_loss(Approximator()(x), y)
""",
        """\
import torch.nn as nn
import torch.nn.functional as F

class Features(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 64, 3)
    def forward(self, x):
        return F.relu(self.conv(x))

def perceptual(x, y):
    features = Features()
    return F.mse_loss(features(x), features(y))
""",
    )

    def check(self, facts, report) -> None:
        for call, output in facts.loss_inputs(*_REGRESSION_LOSSES):
            if any(target.op == RELU for target in call.targets):
                continue  # feature matching: both sides are activations
            if output.op == RELU and output.model is not None:
                report(
                    output.node,
                    f"the model's output ends in a ReLU and is trained with {call.spelled} "
                    f"({report.where(call.node)}); outputs stuck below zero get no gradient and the "
                    "model predicts zeros. Drop the ReLU or use softplus.",
                    related=[(call.node, f"regression loss {call.spelled}")],
                )
