from typing import Optional

import libcst as cst

from nnlint.fix.proposal import UNSAFE, SyntaxFix
from nnlint.rules.base import Rule

_NO_SPACE = cst.SimpleWhitespace("")


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

    ## Fix
    `--fix --unsafe-fixes` adds `dim=-1`. It is unsafe because it can change which axis is
    normalised: for a 2-D `(batch, classes)` input `-1` is what PyTorch picked, but for a
    4-D `(N, C, H, W)` input PyTorch picked the channels (`dim=1`) and for 1-D and 3-D
    inputs `dim=0`. Check that the last axis is the one meant.

    ## How dynamic mode confirms it
    `check --dynamic` confirms the finding when the model's output sums to one over dim 0 (the
    batch) instead of its rows; when rows sum to one for the inferred input's rank it says
    "not confirmed" (another rank may still hit the batch axis).

    ## When to ignore it
    Never: an explicit `dim` costs nothing and silences PyTorch's own warning.
    """

    code = "NNL107"
    reads = ("values",)
    checks_test_code = False  # a test's Softmax() or one-unit head is a placeholder
    name = "softmax-without-dim"
    summary = "Softmax-family call or module without an explicit dim (PyTorch guesses the axis)."
    fix_hint = "Pass dim explicitly, usually dim=-1 (the class axis)."
    fix_availability = "always"
    fix_applicability = UNSAFE
    fix_examples = (
        (
            """\
import torch.nn as nn
import torch.nn.functional as F

head = nn.Sequential(nn.Linear(8, 4), nn.Softmax())
def attention(scores, values):
    weights = F.softmax(scores)  # over the keys
    return weights @ values, F.log_softmax(
        scores,
    )
""",
            """\
import torch.nn as nn
import torch.nn.functional as F

head = nn.Sequential(nn.Linear(8, 4), nn.Softmax(dim=-1))
def attention(scores, values):
    weights = F.softmax(scores, dim=-1)  # over the keys
    return weights @ values, F.log_softmax(
        scores, dim=-1,
    )
""",
        ),
    )
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
                    fix=_with_last_dim(site.node),
                )


def _with_last_dim(call: cst.CSTNode) -> Optional[SyntaxFix]:
    """The call with `dim=-1` appended; a trailing comma stays the last thing in it."""
    if not isinstance(call, cst.Call):
        return None
    dim = cst.Arg(cst.UnaryOperation(cst.Minus(), cst.Integer("1")), keyword=cst.Name("dim"),
                  equal=cst.AssignEqual(whitespace_before=_NO_SPACE, whitespace_after=_NO_SPACE))
    args = list(call.args)
    if args and isinstance(args[-1].comma, cst.Comma):
        dim = dim.with_changes(comma=args[-1].comma)
        args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return SyntaxFix.replace(
        call, call.with_changes(args=[*args, dim]),
        "Pass `dim=-1` (check that the last axis is the one to normalise; PyTorch guessed it from the rank)",
        UNSAFE,
    )
