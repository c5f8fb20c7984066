from nnlint.rules.base import Rule


class SoftmaxWithoutDim(Rule):
    """
    ## What it does
    Finds `nn.Softmax()`, `nn.LogSoftmax()`, `nn.Softmin()`, `F.softmax(x)`,
    `F.log_softmax(x)` and `F.softmin(x)` without an explicit `dim`.

    ## Why is this bad?
    Without `dim`, PyTorch guesses from the input's rank: `dim=0` for 0-, 1- and 3-D
    inputs, `dim=1` otherwise, and warns "Implicit dimension choice for softmax has been
    deprecated". For a single unbatched sample or a `(batch, seq, classes)` tensor it
    normalises across the wrong axis, mixing samples of a batch: the probabilities, and
    a loss computed from them, are silently wrong.

    ## Example
    ```python
    self.softmax = nn.Softmax()
    probs = F.softmax(scores)
    ```

    ## Use instead
    ```python
    self.softmax = nn.Softmax(dim=-1)
    probs = F.softmax(scores, dim=-1)
    ```

    ## How dynamic mode confirms it
    It runs the module and reports the rank of the input and the axis PyTorch chose.

    ## When to ignore it
    Never: an explicit `dim` costs nothing and silences PyTorch's own warning.
    """

    code = "NNL107"
    name = "softmax-without-dim"
    summary = "Softmax-family call or module without an explicit dim (PyTorch guesses the axis)."
    fix_hint = "Pass dim explicitly, usually dim=-1 (the class axis)."
    invalid = (
        """\
import torch.nn as nn

class SSDHead(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.num_classes = num_classes
        self.softmax = nn.Softmax()  # <--
    def forward(self, conf):
        return self.softmax(conf.view(-1, self.num_classes))
""",
        """\
import torch.nn.functional as F

def attention(scores, values):
    weights = F.softmax(scores)  # <--
    return weights @ values
""",
    )
    valid = (
        """\
import torch
import torch.nn as nn
import torch.nn.functional as F

act = nn.Softmax(dim=1)
log_act = nn.LogSoftmax(1)

def attention(scores, values):
    return F.softmax(scores, -1) @ values + torch.softmax(scores, 1) @ values
""",
    )

    def check(self, facts, report) -> None:
        for site in facts.normalizers:
            if not site.has_dim:
                report(
                    site.node,
                    f"{site.spelled} without dim: PyTorch guesses the axis from the input's rank and can "
                    "normalise across the batch. Pass dim explicitly (usually dim=-1).",
                )
