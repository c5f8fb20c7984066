"""nnlint as a flake8 plugin (entry point `NNL` in `flake8.extension`).

flake8 hands over the lines it read (so stdin and `--stdin-display-name` work) and its own
tree, which nnlint does not use: it parses with libcst. The findings are those of
`nnlint check --stdin-filename FILE`, with nnlint's `[tool.nnlint]` settings; flake8's own
`--select`, `--extend-ignore`, `per-file-ignores` and `# noqa` then filter them as they filter
every plugin's codes.
"""

from __future__ import annotations

import ast
from typing import Iterator, Sequence

from nnlint import __version__
from nnlint.buffer_lint import config_for, lint_buffer
from nnlint.config import ConfigError


class NnlintError(Exception):
    """A `[tool.nnlint]` that cannot be used, or a bug of nnlint; flake8 shows the message."""


class NnlintChecker:
    name = "nnlint"
    version = __version__

    def __init__(self, tree: ast.AST, lines: Sequence[str], filename: str) -> None:
        # flake8 decides from the parameter names what to pass; `tree` makes this an AST plugin.
        # The work happens here rather than in run(): flake8 turns an exception raised while it
        # builds a plugin into a one-line error, but lets one raised while it iterates the
        # findings through as a traceback.
        try:
            config = config_for(filename)
        except ConfigError as error:
            raise NnlintError(str(error)) from None
        # The project's cache, as `nnlint check` uses it: flake8 lints files as they are on disk.
        run = lint_buffer("".join(lines), filename, config, use_cache=True)
        if run.internal_errors:
            raise NnlintError(f"internal error while checking {filename}: {run.internal_errors[0][1]} "
                              "(please report)")
        if run.rule_errors:
            raise NnlintError(f"error while checking {filename}: {run.rule_errors[0][1]}")
        self._findings = run.diagnostics

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        for finding in self._findings:
            yield finding.start.line, finding.start.column - 1, f"{finding.code} {finding.message}", type(self)
