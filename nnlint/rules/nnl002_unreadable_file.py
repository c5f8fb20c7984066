from nnlint.rules.base import Rule


class UnreadableFileRule(Rule):
    """
    ## What it does
    Reports a file nnlint was asked to check but could not read as Python source: it
    cannot be opened (permissions, a directory named `*.py`), holds NUL bytes (a binary
    file), is not valid UTF-8 and declares no other encoding, or is larger than 2 MB (which
    only generated code and data reach; analysing it would take minutes and gigabytes).
    A `.ipynb` file that is not a notebook nnlint can read (not valid JSON, no `"cells"`
    list, nbformat 3) is reported here too, at the place where its JSON breaks; see
    [notebooks](../notebooks.md).

    ## Why is this bad?
    The file is not checked at all; saying so beats passing it silently.

    ## Example
    A file saved as Latin-1 with `é` in a comment and no `# -*- coding: latin-1 -*-` line.

    ## Use instead
    Save the file as UTF-8, declare its encoding (PEP 263), or exclude it.

    ## When to ignore it
    Generated or binary files that happen to end in `.py`: exclude them instead.
    """

    code = "NNL002"
    reads = ()
    name = "unreadable-file"
    summary = "The file cannot be read as Python source (I/O error, binary, or bad encoding)."
    fix_hint = "Make the file readable UTF-8 Python source, or exclude it."
    severity = "error"

    def check(self, facts, report) -> None:
        # Produced by the read/decode stage (nnlint.lint, nnlint.parse).
        return None
