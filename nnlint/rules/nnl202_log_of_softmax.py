from typing import Optional

import libcst as cst

from nnlint.analysis.facts import SIGMOID, SOFTMAX
from nnlint.diagnostic import Fix
from nnlint.rules.base import Rule

_FUNCTIONAL = "torch.nn.functional"


class LogOfSoftmax(Rule):
    """
    ## What it does
    Finds `log(softmax(x))` and `log(sigmoid(x))` — written in one expression or through
    local variables (`p = F.softmax(x, 1)` ... `torch.log(p)`), as functions or methods —
    and offers the stable one-call replacement: `log_softmax(x, dim)` or `logsigmoid(x)`.

    ## Why is this bad?
    Softmax and sigmoid underflow to exactly 0 for strongly negative inputs, and `log(0)`
    is `-inf`: the loss becomes infinite and the gradients NaN (the seed's "logarithm of
    0"). `log_softmax` and `logsigmoid` compute the same values with the log-sum-exp trick
    and never underflow. It is also one operation instead of two.

    ## Example
    ```python
    log_probs = torch.log(F.softmax(logits, dim=1))
    log_p = torch.sigmoid(scores).log()
    ```

    ## Use instead
    ```python
    log_probs = F.log_softmax(logits, dim=1)
    log_p = F.logsigmoid(scores)
    ```

    The finding carries this replacement when the softmax is written inside the log
    (with `--fix`, once fixes land, it is applied; the change is safe).

    ## How dynamic mode confirms it
    It feeds large-magnitude logits and checks the log for `-inf`.

    ## When to ignore it
    Never: the replacement is exact and strictly more stable.
    """

    code = "NNL202"
    name = "log-of-softmax"
    summary = "log(softmax(x)) or log(sigmoid(x)): use log_softmax / logsigmoid, which cannot underflow."
    fix_hint = "Replace log(softmax(x, dim)) with log_softmax(x, dim), log(sigmoid(x)) with F.logsigmoid(x)."
    supersedes = ("NNL201",)
    invalid = (
        """\
import torch
import torch.nn.functional as F

def nll(logits, y):
    return F.nll_loss(torch.log(F.softmax(logits, dim=1)), y)  # <--
""",
        """\
import torch

def log_likelihood(scores):
    probs = scores.softmax(-1)
    weights = probs.detach()
    return weights * probs.log()  # <--
""",
        """\
import torch

def log_odds_terms(logits):
    return torch.log(torch.sigmoid(logits)) + torch.log(1 - torch.sigmoid(logits) + 1e-6)  # <--
""",
    )
    valid = (
        """\
import torch
import torch.nn.functional as F

def nll(logits, y):
    return F.nll_loss(F.log_softmax(logits, dim=1), y)

def log_p(scores):
    return F.logsigmoid(scores)
""",
    )

    def check(self, facts, report) -> None:
        for site in facts.numeric_sites:
            if site.kind != "log":
                continue
            for value in site.values:
                if value.op not in (SOFTMAX, SIGMOID):
                    continue
                stable = "log_softmax" if value.op == SOFTMAX else "logsigmoid"
                fix = _replacement(site.node, site.operand, value.node, facts.imports)
                report(
                    site.node,
                    f"log of {value.op} output can be -inf (NaN gradients) when it underflows to 0; "
                    f"use {stable}, which computes the same values stably.",
                    fix=fix,
                )
                break


def _replacement(log_call: cst.CSTNode, operand: cst.BaseExpression, producer: cst.CSTNode,
                 aliases: dict[str, str]) -> Optional[Fix]:
    """`torch.log(F.softmax(x, 1))` -> `F.log_softmax(x, 1)`, when the softmax sits inside the log."""
    if operand is not producer or not isinstance(producer, cst.Call) or not isinstance(producer.func, cst.Attribute):
        return None
    name = producer.func.attr.value
    if name == "softmax":
        new_call = producer.with_changes(func=producer.func.with_changes(attr=cst.Name("log_softmax")))
    elif name == "sigmoid":
        functional = next((local for local, full in aliases.items() if full == _FUNCTIONAL), _FUNCTIONAL)
        target = producer.args[0].value if producer.args and _is_function_call(producer, aliases) \
            else producer.func.value
        new_call = cst.Call(func=cst.parse_expression(f"{functional}.logsigmoid"), args=[cst.Arg(target)])
    else:
        return None
    text = cst.Module([]).code_for_node(new_call)
    return Fix(message=f"Replace with `{text}`", replacement=text, applicability="safe")


def _is_function_call(call: cst.Call, aliases: dict[str, str]) -> bool:
    """`torch.sigmoid(x)` (a function of torch) rather than `x.sigmoid()` (a tensor method)."""
    root = call.func
    while isinstance(root, cst.Attribute):
        root = root.value
    return isinstance(root, cst.Name) and root.value in aliases and aliases[root.value].startswith("torch")
