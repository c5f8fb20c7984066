"""A team's own nnlint rule, shipped as a package of its own (see docs/plugins.md)."""

import libcst as cst

from nnlint.api import FileFacts, FindingSink, Rule, argument, qualified_name


class TorchLoadWithoutWeightsOnly(Rule):
    """
    ## What it does
    Finds `torch.load(...)` calls that do not say `weights_only=`.

    ## Why is this bad?
    Its default changed in torch 2.6: the same checkpoint loads on one machine and fails, or
    unpickles arbitrary objects, on another. Our checkpoints are state dicts, so we say so.

    ## Example
    ```python
    state = torch.load(path)
    ```

    ## Use instead
    ```python
    state = torch.load(path, weights_only=True)
    ```
    """

    code = "ACM101"
    # The fact families `check` reads: none, only `facts.module` and `facts.imports`, which
    # every rule may read. nnlint then computes no fact for this rule (docs/plugins.md).
    reads = ()
    name = "torch-load-without-weights-only"
    summary = "torch.load without an explicit weights_only (its default changed in torch 2.6)."
    fix_hint = "Pass weights_only=True for a state dict."
    docs_url = "https://example.org/acme/nnlint-rules#acm101"
    valid = ("import torch\nstate = torch.load('m.pt', weights_only=True)\n",)
    invalid = ("import torch\nstate = torch.load('m.pt')  # <--\n",)

    def check(self, facts: FileFacts, report: FindingSink) -> None:
        for call in _calls(facts.module):
            if qualified_name(call.func, facts.imports) == "torch.load" and \
                    argument(call, -1, "weights_only") is None:
                report(call, "torch.load without weights_only: say weights_only=True for a state dict")


def _calls(module: cst.Module) -> list[cst.Call]:
    found: list[cst.Call] = []

    class Calls(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            found.append(node)

    module.visit(Calls())
    return found
