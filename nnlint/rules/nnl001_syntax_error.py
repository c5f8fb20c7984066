from nnlint.rules.base import Rule


class SyntaxErrorRule(Rule):
    """
    ## What it does
    Reports code that Python cannot parse, at the line and column of the error (CPython's
    own message). When only some top-level blocks (a function, a class, a statement) fail,
    each failing block is reported once and the other blocks are still checked, with their
    findings on their own lines: half-typed code in an editor still gets its findings.
    Code nested more than 100 levels deep (or an operator chain that long) is reported here
    too, as not analysed, because parsing it could take minutes or crash the parser.

    ## Why is this bad?
    The code in a failing block cannot be checked, and the file will not run. nnlint
    keeps going with the rest of the file and with the other files.

    ## Example
    ```python
    import torch
    def forward(self, x:
        return x
    ```

    ## Use instead
    Fix the syntax error; `python -m py_compile FILE` shows the same message.

    ## When to ignore it
    Files that are templates or fragments rather than Python code: exclude them
    (`extend-exclude` in `[tool.nnlint]`).
    """

    code = "NNL001"
    reads = ()
    name = "syntax-error"
    summary = "The file does not parse as Python."
    fix_hint = "Fix the syntax error at the reported position."
    severity = "error"
    invalid = ("import torch\ndef f(x:  # <--\n    return x\n",)
    valid = ("import torch\ndef f(x):\n    return x\n",)

    def check(self, facts, report) -> None:
        # Produced by the parse stage (nnlint.parse), which runs before any facts exist.
        return None
