from nnlint.rules.base import Rule


class SyntaxErrorRule(Rule):
    """
    ## What it does
    Reports a file that Python cannot parse, at the line and column of the error.

    ## Why is this bad?
    Nothing else in the file can be checked, and the file will not run. nnlint keeps
    going with the other files.

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
    name = "syntax-error"
    summary = "The file does not parse as Python."
    fix_hint = "Fix the syntax error at the reported position."
    severity = "error"
    invalid = ("import torch\ndef f(x:  # <--\n    return x\n",)
    valid = ("import torch\ndef f(x):\n    return x\n",)

    def check(self, facts, report) -> None:
        # Produced by the parse stage (nnlint.parse), which runs before any facts exist.
        return None
