"""What a rule plugin may import from nnlint: this surface is kept stable across releases.

    from nnlint.api import FileFacts, FindingSink, Rule, argument, qualified_name

A plugin rule subclasses `Rule`, sets `code` (its own letters and digits, never `NNL`), `name`,
`summary` and `fix_hint`, and implements `check(facts, report)`: `facts.module` is the file's
libcst tree, `facts.imports` maps each imported name to what it stands for (`nn` ->
`torch.nn`), and the other `FileFacts` fields are the facts nnlint's own rules read.
`report(node, message)` records a finding at a node of that tree. `reads` names the fact
families `check` reads (e.g. `("training",)`): a run computes only those; a rule that
declares nothing gets every family. docs/plugins.md has the whole walk-through.
"""

from nnlint.analysis.facts import FileFacts
from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.program.syntax import argument
from nnlint.rules.base import FindingSink, Rule

__all__ = ["FileFacts", "FindingSink", "Rule", "argument", "qualified_name"]
