from typing import Optional

import libcst as cst

from nnlint.analysis.facts import NUMBER, TENSOR, NanComparison
from nnlint.analysis.program.imports import spelling
from nnlint.fix.proposal import UNSAFE, SyntaxFix
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

    ## Fix
    `--fix --unsafe-fixes` rewrites `x == nan` as `torch.isnan(x)` when `x` is known to be a
    tensor (`~torch.isnan(x)` for `!=`), and as `math.isnan(x)` (`not math.isnan(x)`) when
    it is known to be a Python number (`loss.item()`, `float(...)`) or when the comparison
    is an `if`/`while`/`assert` condition, where only a single value can be tested (a
    one-element tensor works with `math.isnan` too). The module must already be imported
    under some name (`torch`, `th`, `from math import isnan`); otherwise, for `is`
    comparisons, for chained comparisons and when the type is unknown, there is no fix.
    It is unsafe because it changes behaviour: the check that never fired now fires.

    ## How dynamic mode confirms it
    Not needed: the comparison's result is known without running anything.

    ## When to ignore it
    Never.
    """

    code = "NNL205"
    reads = ("values",)
    name = "nan-equality"
    summary = "Comparison with NaN by ==/!=/is: always False (or always True)."
    fix_hint = "Use torch.isnan(x) (math.isnan / np.isnan for Python and NumPy values)."
    severity = "error"
    fix_availability = "sometimes"
    fix_applicability = UNSAFE
    fix_examples = (
        (
            """\
import math
import torch

def check(loss, scores, x):
    if loss == float("nan"):  # a scalar: math.isnan
        raise RuntimeError("diverged")
    finite = torch.sigmoid(scores) != math.nan
    assert loss.item() != float('nan') and x
    return finite, x is math.nan
""",
            """\
import math
import torch

def check(loss, scores, x):
    if math.isnan(loss):  # a scalar: math.isnan
        raise RuntimeError("diverged")
    finite = ~torch.isnan(torch.sigmoid(scores))
    assert not math.isnan(loss.item()) and x
    return finite, x is math.nan
""",
        ),
        (
            # No math import for a number, an unknown type outside a condition: no fix.
            """\
import numpy as np
import torch as th

def masks(grads, loss):
    bad = grads[grads != np.nan]
    if (loss.item() == np.nan):
        print("nan")
    return bad, th.log(grads) == np.nan
""",
            """\
import numpy as np
import torch as th

def masks(grads, loss):
    bad = grads[grads != np.nan]
    if (loss.item() == np.nan):
        print("nan")
    return bad, th.isnan(th.log(grads))
""",
        ),
    )
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
                fix=_isnan(comparison, facts.imports),
            )


def _isnan(comparison: NanComparison, aliases: dict[str, str]) -> Optional[SyntaxFix]:
    """`x == nan` -> `torch.isnan(x)` / `math.isnan(x)`, `!=` negated, by what `x` is."""
    node = comparison.node
    if len(node.comparisons) != 1 or not isinstance(node.comparisons[0].operator, (cst.Equal, cst.NotEqual)):
        return None
    if comparison.other is None:
        return None
    if comparison.other_kind == TENSOR:
        function, negation = spelling("torch.isnan", aliases), cst.BitInvert()
    elif comparison.other_kind == NUMBER or comparison.truth_tested:
        function, negation = spelling("math.isnan", aliases), cst.Not()
    else:
        return None
    if function is None:
        return None
    test: cst.BaseExpression = cst.Call(cst.parse_expression(function), [cst.Arg(comparison.other)])
    if comparison.negated:
        test = cst.UnaryOperation(negation, test)
    written = cst.Module([]).code_for_node(test)
    return SyntaxFix.replace(node, test.with_changes(lpar=node.lpar, rpar=node.rpar),
                             f"Test with `{written}`", UNSAFE)
