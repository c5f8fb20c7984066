from nnlint import catalogue
from nnlint.catalogue.ranges import OUTPUT_RANGES, SOFTMAX, TARGET_RANGES, UNREACHABLE_TARGETS, VALUES
from nnlint.rules.base import Rule

_REGRESSION_LOSSES = catalogue.losses_taking(VALUES)
_PREPARATION = {"standardized": "standardized", "log": "log-transformed", "symmetric_unit": "scaled to [-1, 1]"}


class OutputRangeCannotHoldTargets(Rule):
    """
    ## What it does
    Finds a model whose last operation is a sigmoid, softmax, tanh or ReLU, trained with a
    regression loss (`MSELoss`, `L1Loss`, `SmoothL1Loss`, `HuberLoss`) against targets whose
    preparation the file shows and which that range cannot hold:

    - standardized targets (`(y - y.mean()) / y.std()`, `StandardScaler().fit_transform(y)`,
      `RobustScaler`, `PowerTransformer`): negative, and often beyond ±1;
    - log-transformed targets (`np.log(y)`, `torch.log1p(y)`, `y.log()`): unbounded, and
      negative wherever `y < 1`;
    - targets scaled to [-1, 1] (`MaxAbsScaler`, `MinMaxScaler(feature_range=(-1, 1))`) under
      a sigmoid, softmax or ReLU.

    Targets scaled to [0, 1] (`MinMaxScaler()`, `(y - min) / (max - min)`) under a sigmoid are
    fine and not reported; nor is anything where the targets come from a loader or a parameter,
    whose values the file does not show.

    ## Why is this bad?
    The output can never equal the targets it is trained towards. A sigmoid or softmax
    saturates trying to reach a negative target, its gradient vanishes, and the model
    settles on predicting one value (the seed's "wrong activation in the final layer" and
    "targets that do not sum to one under a softmax"); a ReLU output dies at 0 for every
    negative target. The loss stops improving at a floor that no amount of training removes.

    ## Example
    ```python
    y = (y - y.mean()) / y.std()
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1), nn.Sigmoid())
    loss = nn.MSELoss()(model(x), y)
    ```

    ## Use instead
    ```python
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))  # no final activation
    ```
    or scale the targets into the output's range (`MinMaxScaler()` for a sigmoid).

    ## Dynamic mode
    Not checked: `check --dynamic` does not confirm or refute this finding.

    ## When to ignore it
    When the targets are transformed back into the output's range before the loss in a way
    the rule does not follow. A ReLU output is also reported by NNL105 whatever the targets;
    where this rule reports the same ReLU, its finding replaces NNL105's.
    """

    code = "NNL110"
    reads = ("target_preparation", "values")
    name = "output-range-cannot-hold-targets"
    summary = "A bounded final activation (sigmoid, softmax, tanh, ReLU) is trained towards targets outside its range."
    fix_hint = "Drop the final activation, or scale the targets into its range."
    severity = "error"
    supersedes = ("NNL105",)
    invalid = (
        """\
import torch
import torch.nn as nn

x = torch.randn(256, 8)
y = torch.randn(256, 1) * 30 + 200
y = (y - y.mean()) / y.std()
model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1), nn.Sigmoid())  # <--
loss = nn.MSELoss()(model(x), y)
""",
        """\
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.preprocessing import StandardScaler

class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)  # <--

def train(X, prices):
    scaler = StandardScaler()
    y = torch.tensor(scaler.fit_transform(prices), dtype=torch.float32)
    model = Regressor()
    criterion = nn.MSELoss()
    loss = criterion(model(torch.tensor(X)), y)
    loss.backward()
""",
        """\
import numpy as np
import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        return torch.tanh(self.out(x))  # <--

net = Net()
counts = np.random.poisson(40, size=(100, 1))
target = torch.from_numpy(np.log1p(counts)).float()
loss = nn.functional.l1_loss(net(torch.randn(100, 16)), target)
""",
    )
    valid = (
        """\
import torch
import torch.nn as nn
from sklearn.preprocessing import MinMaxScaler

def train(X, y_raw):
    y = torch.tensor(MinMaxScaler().fit_transform(y_raw)).float()
    model = nn.Sequential(nn.Linear(8, 1), nn.Sigmoid())
    loss = nn.MSELoss()(model(X), y)
""",
        """\
import torch
import torch.nn as nn

def fit(model, loader, y_all):
    y_all = (y_all - y_all.mean()) / y_all.std()  # not what the loss gets
    head = nn.Sequential(nn.Linear(8, 1), nn.Sigmoid())
    for xb, yb in loader:
        loss = nn.MSELoss()(head(xb), yb)

def regress(x, y):
    y = (y - y.mean()) / y.std()
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))
    return nn.MSELoss()(model(x), y)
""",
    )

    def check(self, facts, report) -> None:
        prepared = {id(target.call): target for target in facts.prepared_targets}
        for call, output in facts.loss_inputs(*_REGRESSION_LOSSES):
            target = prepared.get(id(call.node))
            if target is None or target.kind not in UNREACHABLE_TARGETS.get(output.op, ()):
                continue
            if output.op == SOFTMAX and output.width == 1:
                continue  # NNL106 reports a one-unit softmax
            what = _PREPARATION[target.kind]
            spread = TARGET_RANGES.get(target.kind, "between -1 and 1")
            report(
                output.node,
                f"the model ends in {output.op}, whose outputs are in {OUTPUT_RANGES[output.op]}, but "
                f"{call.spelled} ({report.where(call.node)}) trains it towards targets {what} at "
                f"{report.where(target.node)} ({spread}): it can never reach them and settles on one value. "
                "Drop the final activation, or scale the targets into its range.",
                related=[(call.node, f"regression loss {call.spelled}"), (target.node, f"targets {what} here")],
            )
