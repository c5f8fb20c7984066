from nnlint.rules.base import Rule


class NanEquality(Rule):
    """
    ## What it does
    Finds comparisons with NaN by equality or identity: `x == float('nan')`,
    `x != np.nan`, `loss == math.nan`, `x is torch.nan`.

    ## Why is this bad?
    NaN is unequal to everything, itself included: `x == nan` is always False and
    `x != nan` always True. A NaN check written this way never fires, so the NaN loss it
    was meant to catch trains on silently.

    ## Example
    ```python
    if loss == float("nan"):
        raise RuntimeError("loss diverged")
    ```

    ## Use instead
    ```python
    if torch.isnan(loss):  # math.isnan / np.isnan for Python and NumPy numbers
        raise RuntimeError("loss diverged")
    ```

    ## How dynamic mode confirms it
    Not needed: the comparison's result is known without running anything.

    ## When to ignore it
    Never.
    """

    code = "NNL205"
    name = "nan-equality"
    summary = "Comparison with NaN by ==/!=/is: always False (or always True)."
    fix_hint = "Use torch.isnan(x) (math.isnan / np.isnan for Python and NumPy values)."
    invalid = (
        """\
import math
import numpy as np
import torch

def check(loss, grads):
    if loss == float("nan"):  # <--
        raise RuntimeError("diverged")
    bad = grads[grads != np.nan]  # <--
    return loss is math.nan  # <--
""",
    )
    valid = (
        """\
import math
import torch

def check(loss, x):
    if torch.isnan(loss) or math.isnan(x):
        raise RuntimeError("diverged")
    return x != x
""",
    )

    def check(self, facts, report) -> None:
        for comparison in facts.nan_comparisons:
            verdict = "always True" if comparison.negated else "always False"
            report(
                comparison.node,
                f"comparison with NaN is {verdict}: NaN is unequal to everything, itself included. "
                "Use torch.isnan(x) (math.isnan / np.isnan for Python and NumPy values).",
            )
