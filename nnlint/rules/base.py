"""What a rule is: a code, a name, its documentation and examples, and a check over facts."""

from __future__ import annotations

import inspect
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, Mapping, Optional, Protocol, Sequence, Union

import libcst as cst

from nnlint.project_urls import rule_url

if TYPE_CHECKING:
    from nnlint.analysis.facts import FileFacts
    from nnlint.diagnostic import Fix
    from nnlint.fix.proposal import SyntaxFix

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
        fix: Optional[Union["Fix", "SyntaxFix"]] = None,
    ) -> None:
        """Report `node`; a SyntaxFix is turned into text edits of this file."""
        ...

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
    # "error": the code computes a wrong result; "warning": likely wrong, wasteful or fragile.
    # `severity` in [tool.nnlint] changes it per code (nnlint.severity).
    severity: ClassVar[str] = "warning"
    supersedes: ClassVar[tuple[str, ...]] = ()
    # The fact families `check` reads (nnlint.analysis.ALL_FAMILIES: "values" for the
    # interpreter's loss calls, numeric sites..., "training", "paths"...): a run computes only
    # what its selected rules read. None (a plugin rule that declares nothing) gets every
    # family; the test suite checks that nnlint's own rules read nothing they do not declare.
    reads: ClassVar[Optional[tuple[str, ...]]] = None
    valid: ClassVar[tuple[str, ...]] = ()
    invalid: ClassVar[tuple[str, ...]] = ()
    # Whether findings carry a fix: "none", "sometimes" (only where it is unambiguous) or
    # "always"; and whether `--fix` applies it ("safe") or only `--unsafe-fixes` ("unsafe").
    fix_availability: ClassVar[str] = "none"
    fix_applicability: ClassVar[str] = "safe"
    # (before, after) pairs: `--fix` (with `--unsafe-fixes` for an unsafe rule) turns the
    # first into the second; the test suite checks it, and that a second pass changes nothing.
    fix_examples: ClassVar[tuple[tuple[str, str], ...]] = ()
    # `[tool.nnlint.rules.CODE]` options: name -> type (validated by nnlint.config) and defaults.
    # Numbers must be positive and finite; `option_maximums` bounds them from above.
    options: ClassVar[dict[str, type]] = {}
    option_maximums: ClassVar[dict[str, float]] = {}
    defaults: ClassVar[dict[str, Any]] = {}
    # False for an opt-in rule: enabled only by a selection that names it (or ALL).
    default_enabled: ClassVar[bool] = True
    # False for the rules about how well a model trains (its output layer, initialization,
    # architecture, learning rate): test code's models are placeholders (FileFacts.test_code).
    checks_test_code: ClassVar[bool] = True
    # Found only by running the model (`check --dynamic`): no static check, no snippets.
    dynamic_only: ClassVar[bool] = False
    # A plugin rule's page on the web; nnlint's own rules get theirs from the package metadata.
    docs_url: ClassVar[Optional[str]] = None

    def __init__(self, settings: Optional[Mapping[str, Any]] = None) -> None:
        # The options in effect: the class defaults updated with the configured values.
        self.settings: dict[str, Any] = {**self.defaults, **(settings or {})}

    def check(self, facts: "FileFacts", report: FindingSink) -> None:
        raise NotImplementedError

    @classmethod
    def documentation(cls) -> str:
        """The rule's page: title, summary, then the class docstring."""
        body = inspect.cleandoc(cls.__doc__ or "")
        return (f"# {cls.code}: {cls.name}\n\n{cls.summary}\n\n{cls.fix_description()}\n\n"
                f"{cls.severity_description()}{cls.test_code_description()}\n\n{body}\n")

    @classmethod
    def test_code_description(cls) -> str:
        """A sentence for a rule that skips test code, else nothing."""
        if cls.checks_test_code:
            return ""
        return (" Test code is not checked: files named `test_*.py`, `*_test.py` or `conftest.py`, and "
                "the files of a test package (a folder under a `tests`, `test` or `testing` folder of the "
                "project holding an `__init__.py`, a `conftest.py` or test files), whose models are "
                "placeholders.")

    @classmethod
    def severity_description(cls) -> str:
        """One sentence: the default severity, and for an opt-in rule how to enable it."""
        text = f"Default severity: {cls.severity}."
        if not cls.default_enabled:
            text += f" Off by default: enable it with `extend-select = [\"{cls.code}\"]` or `--extend-select {cls.code}`."
        return text

    @classmethod
    def fix_description(cls) -> str:
        """One sentence: whether the rule's findings are fixed automatically, and how safely."""
        if cls.fix_availability == "none":
            return "Fix is not available."
        how = ("safe: `--fix` applies it" if cls.fix_applicability == "safe"
               else "unsafe: it may change behaviour, so only `--fix --unsafe-fixes` applies it")
        return f"Fix is {cls.fix_availability} available ({how})."

    @classmethod
    def is_builtin(cls) -> bool:
        """One of nnlint's own rules, not a plugin's."""
        return cls.__module__.split(".")[0] == "nnlint"

    @classmethod
    def url(cls) -> Optional[str]:
        """The rule's documentation page on the web, if the installed package says where it is."""
        if not cls.is_builtin():
            return cls.docs_url
        return rule_url(cls.code)


def rules_defined_in(module: ModuleType) -> list[type[Rule]]:
    """The Rule subclasses a module defines itself (not the ones it imports)."""
    return [obj for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule
            and obj.__module__ == module.__name__ and not inspect.isabstract(obj)]
