from nnlint.analysis.facts import PROBABILITY_RANGES
from nnlint.rules.base import Rule


class KlDivInputNotLogProbabilities(Rule):
    """
    ## What it does
    Finds `nn.KLDivLoss` / `F.kl_div` whose first argument (the input) is a softmax or
    sigmoid output, i.e. probabilities, also averaged over some axes (`probs.mean(dim=0)`), or
    a distribution normalised by hand (`q / q.sum(1, keepdim=True)`).

    ## Why is this bad?
    `KLDivLoss(input, target)` expects `input` as log-probabilities (and `target` as
    probabilities unless `log_target=True`): it computes `target * (log(target) - input)`.
    Given probabilities, the loss is not a divergence at all, can go negative, and its
    gradient pulls the distributions the wrong way: distillation or ranking training
    quietly fails (the seed's "wrong activation function in the final layer").

    ## Example
    ```python
    loss = F.kl_div(student.softmax(-1), teacher.softmax(-1), reduction="batchmean")
    ```

    ## Use instead
    ```python
    loss = F.kl_div(student.log_softmax(-1), teacher.softmax(-1), reduction="batchmean")
    ```

    ## How dynamic mode confirms it
    `check --dynamic` confirms the finding when the model's output rows are non-negative and sum
    to one; output rows of log-probabilities make it "not confirmed".

    ## When to ignore it
    Never: a probability input is always a mistake for this loss.
    """

    code = "NNL109"
    reads = ("values",)
    checks_test_code = False
    name = "kl-div-input-not-log-probabilities"
    summary = "Probabilities (softmax/sigmoid) are fed to KLDivLoss, which expects log-probabilities."
    fix_hint = "Use log_softmax for the input of KLDivLoss; keep softmax for the target."
    severity = "error"
    supersedes = ("NNL107",)
    invalid = (
        """\
import torch.nn as nn

class KLDivTeacherList(nn.Module):
    def __init__(self):
        super().__init__()
        self.kl = nn.KLDivLoss(reduction="batchmean")
    def forward(self, scores, labels):
        return self.kl(scores.softmax(-1), labels.softmax(-1))  # <--
""",
    )
    valid = (
        """\
import torch.nn as nn
import torch.nn.functional as F

kl = nn.KLDivLoss(reduction="batchmean")

def kd_loss(student_logits, teacher_logits, T=4.0):
    return kl(F.log_softmax(student_logits / T, dim=1), F.softmax(teacher_logits / T, dim=1)) * T * T
""",
    )

    def check(self, facts, report) -> None:
        for call, output in facts.loss_inputs("KLDivLoss"):
            if output.op in PROBABILITY_RANGES:
                report(
                    output.node,
                    f"{output.op} output (probabilities) is the input of {call.spelled} "
                    f"({report.where(call.node)}), which expects log-probabilities; the loss is not a "
                    "divergence and training goes the wrong way. Use log_softmax for the input.",
                    related=[(call.node, f"{call.spelled} expects log-probabilities as its first argument")],
                )
