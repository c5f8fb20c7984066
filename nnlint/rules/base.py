"""What a rule is: a code, a name, its documentation and examples, and a check over facts."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, ClassVar, Mapping, Optional, Protocol, Sequence

import libcst as cst

if TYPE_CHECKING:
    from nnlint.analysis.facts import FileFacts
    from nnlint.diagnostic import Fix

# Lines of an `invalid` example that end with this marker are where the rule must report;
# the test suite checks that it reports there and nowhere else.
EXPECTED_MARKER = "# <--"


class FindingSink(Protocol):
    """Where a rule puts what it found; positions are resolved only for reported nodes."""

    def __call__(
        self,
        node: cst.CSTNode,
        message: str,
        *,
        related: Sequence[tuple[cst.CSTNode, str]] = (),
        fix: Optional["Fix"] = None,
    ) -> None: ...

    def where(self, node: cst.CSTNode) -> str:
        """How a message names another place, e.g. `line 22`."""
        ...


class Rule:
    """Base of all rules. A subclass's docstring is its documentation page (Markdown).

    `valid` snippets must give no finding of this rule, `invalid` snippets at least one,
    exactly on the lines marked with `# <--` when any line is marked. `supersedes` names
    codes whose finding on the very same span says less than this rule's and is dropped
    (a softmax reported as fed to cross-entropy is not also reported for its missing dim).
    """

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    fix_hint: ClassVar[str]
    severity: ClassVar[str] = "warning"
    supersedes: ClassVar[tuple[str, ...]] = ()
    valid: ClassVar[tuple[str, ...]] = ()
    invalid: ClassVar[tuple[str, ...]] = ()
    # `[tool.nnlint.rules.CODE]` options: name -> type (validated by nnlint.config) and defaults.
    options: ClassVar[dict[str, type]] = {}
    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, settings: Optional[Mapping[str, Any]] = None) -> None:
        # The options in effect: the class defaults updated with the configured values.
        self.settings: dict[str, Any] = {**self.defaults, **(settings or {})}

    def check(self, facts: "FileFacts", report: FindingSink) -> None:
        raise NotImplementedError

    @classmethod
    def documentation(cls) -> str:
        """The rule's page: title, summary, then the class docstring."""
        body = inspect.cleandoc(cls.__doc__ or "")
        return f"# {cls.code}: {cls.name}\n\n{cls.summary}\n\n{body}\n"

    @classmethod
    def url(cls) -> str:
        return f"https://github.com/nnlint/nnlint/blob/main/docs/rules/{cls.code}.md"
