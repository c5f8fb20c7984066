from nnlint.rules.base import Rule


class UnusedSuppressionRule(Rule):
    """
    ## What it does
    Reports a suppression comment that no longer silences anything (like ruff's RUF100):

    - `# noqa: CODE` or `# nnlint: ignore[CODE]` naming an nnlint code that has no finding on
      that line;
    - `# nnlint: noqa: CODE` naming a code with no finding anywhere in the file, or a bare
      `# nnlint: noqa` in a file with no finding at all;
    - a suppression naming an `NNL` code that does not exist (a typo, or a rule since renamed).

    Only codes that were checked count: a code switched off by the selection or by
    `per-file-ignores`, and the codes found only by running a model (`NNL9xx`, see
    [dynamic mode](../dynamic.md)), are never reported as unused. Codes of other tools
    (`# noqa: E501`) and a bare `# noqa` (which flake8 and ruff read too) are left alone.
    Files with a syntax error are not checked for it, since part of them was not analysed.

    ## Why is this bad?
    A suppression that matches nothing hides the next real finding on its line (or in its
    file) without anyone having decided that this one is deliberate.

    ## Example
    ```python
    import torch
    probabilities = torch.softmax(logits, dim=1)  # noqa: NNL107
    ```

    ## Use instead
    ```python
    import torch
    probabilities = torch.softmax(logits, dim=1)
    ```

    ## Fix
    `--fix` removes the codes that match nothing from the comment (`# noqa: E501, NNL107`
    becomes `# noqa: E501`), or the whole comment when none is left, together with a reason
    written after it. A comment followed by text holding another `#` is left for you to edit.

    ## When to ignore it
    A suppression kept for a rule a colleague runs with different settings: add `NNL003` to the
    directive (`# noqa: NNL107, NNL003`).
    """

    code = "NNL003"
    reads = ()
    name = "unused-suppression"
    summary = "A suppression comment names a code that has no finding there (or an unknown code)."
    fix_hint = "Remove the comment, or the codes in it that match nothing."
    default_enabled = False
    fix_availability = "sometimes"
    fix_applicability = "safe"
    fix_examples = (
        ("import torch\nx = torch.zeros(3)  # noqa: NNL999\n", "import torch\nx = torch.zeros(3)\n"),
        ("import torch\nx = torch.zeros(3)  # noqa: E501, NNL999\n",
         "import torch\nx = torch.zeros(3)  # noqa: E501\n"),
        ("import torch\nx = torch.zeros(3)  # nnlint: ignore[NNL999]  # type: ignore\n",
         "import torch\nx = torch.zeros(3)  # type: ignore\n"),
        ("import torch\n# nnlint: noqa: NNL999\nx = torch.zeros(3)\n", "import torch\nx = torch.zeros(3)\n"),
    )
    invalid = (
        "import torch\nx = torch.zeros(3)  # noqa: NNL999  # <--\n",
        "import torch\nprobabilities = torch.softmax(logits, dim=1)  # nnlint: ignore[NNL999]  # <--\n",
    )
    valid = (
        "import torch\nx = torch.zeros(3)  # noqa: E501\n",
        "import torch\nx = torch.zeros(3)  # noqa\n",
    )

    def check(self, facts, report) -> None:
        # Produced after the rules by the suppression stage (nnlint.suppress), which sees
        # every finding before the comments remove some.
        return None
