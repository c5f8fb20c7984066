from nnlint.rules.base import Rule


class StatefulLayerAppliedTwice(Rule):
    """
    ## What it does
    Finds a batch-norm layer (`nn.BatchNorm1d/2d/3d`, `SyncBatchNorm`, their lazy forms) that
    one `forward` applies to a tensor that has already been through it:
    `x = self.bn(self.conv1(x)); x = self.bn(self.conv2(x))`, where two batch-norms were meant.

    ## Why is this bad?
    A batch-norm keeps running statistics of the activations it sees, and learns one scale and
    shift per channel. Applied after two different layers, it averages the statistics of both
    into one pair of running mean and variance, which fits neither: the model trains, but in
    `eval()` mode it normalises with the wrong numbers, and validation accuracy falls far
    below training accuracy (or the outputs collapse to one class). Its affine parameters are
    also forced to serve both places. The seed's "check the batch-norm and dropout layers,
    they behave differently at test time" is where this shows up.

    ## Example
    ```python
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, padding=1)
        self.conv2 = nn.Conv2d(64, 64, 3, padding=1)
        self.bn = nn.BatchNorm2d(64)

    def forward(self, x):
        x = F.relu(self.bn(self.conv1(x)))
        return F.relu(self.bn(self.conv2(x)))
    ```

    ## Use instead
    ```python
        self.bn1 = nn.BatchNorm2d(64)
        self.bn2 = nn.BatchNorm2d(64)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(x)))
    ```

    ## Dynamic mode
    Not checked: `check --dynamic` does not confirm or refute this finding.

    ## When to ignore it
    When sharing the statistics is the design (some weight-tied or recurrent models). Applying
    one batch-norm to two separate inputs (`self.bn(a), self.bn(b)` in a Siamese network) is
    not reported, nor a batch-norm applied once per iteration of a loop; layer-norm and group
    norm keep no running statistics and are not reported either.
    """

    code = "NNL404"
    reads = ("layer_usage",)
    name = "stateful-layer-applied-twice"
    summary = "One batch-norm layer is applied twice on the same path through forward."
    fix_hint = "Build one batch-norm per place it is applied."
    invalid = (
        """\
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, padding=1)
        self.conv2 = nn.Conv2d(64, 64, 3, padding=1)
        self.bn = nn.BatchNorm2d(64)

    def forward(self, x):
        x = F.relu(self.bn(self.conv1(x)))
        x = F.relu(self.bn(self.conv2(x)))  # <--
        return x
""",
        """\
from torch import nn

class MLP(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc1 = nn.Linear(d, d)
        self.fc2 = nn.Linear(d, d)
        self.norm = nn.BatchNorm1d(d)

    def forward(self, x):
        return self.norm(self.fc2(self.norm(self.fc1(x)).relu()))  # <--
""",
    )
    valid = (
        """\
import torch
import torch.nn as nn

class Siamese(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.bn = nn.BatchNorm1d(8)
        self.ln = nn.LayerNorm(8)

    def forward(self, a, b):
        a = self.bn(self.fc(a))
        b = self.bn(self.fc(b))
        y = self.ln(self.fc(self.ln(a)))
        return torch.cat([a, b], 1), y
""",
        """\
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, small):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.bn = nn.BatchNorm1d(8)
        self.small = small

    def forward(self, x):
        if self.small:
            x = self.bn(self.fc(x))
        else:
            x = self.bn(self.fc(self.fc(x)))
        for _ in range(3):
            x = self.bn(x)
        return x
""",
    )

    def check(self, facts, report) -> None:
        for found in facts.repeated_layers:
            report(
                found.second,
                f"self.{found.attribute} ({found.layer}) is applied again here to a tensor that already went through "
                f"it at {report.where(found.first)}: one set of running statistics is averaged over two places and "
                "fits neither in eval() mode. Build a second batch-norm for this place.",
                related=((found.first, "first applied here"),),
            )
