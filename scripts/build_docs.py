"""Write docs/rules/CODE.md for every rule, and the index docs/rules/README.md.

Each page is the rule's `documentation()`; the rule module is the one place to edit.
Pages of codes that no longer exist are deleted. Run from anywhere:

    python scripts/build_docs.py

tests/test_docs.py fails while a page differs from what this script writes.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from nnlint.rules import builtin_rules

RULES_DIR = Path(__file__).resolve().parent.parent / "docs" / "rules"
INDEX_NAME = "README.md"
# Only files named like a rule code are ever deleted: anything else in docs/rules is kept.
CODE_PAGE = re.compile(r"^[A-Z]+[0-9]+\.md$")


def _generated_note(source: str) -> str:
    return f"<!-- Generated from {source} by scripts/build_docs.py: edit the rule, not this page. -->\n"


def _source_of(rule: type) -> str:
    return rule.__module__.replace(".", "/") + ".py"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def fix_column(rule: type) -> str:
    """`safe`, `unsafe` or empty; `(sometimes)` when only some findings carry the fix."""
    if rule.fix_availability == "none":
        return ""
    return rule.fix_applicability + (" (sometimes)" if rule.fix_availability == "sometimes" else "")


def render_pages() -> dict[str, str]:
    """File name (relative to docs/rules) to content, for every page this script owns."""
    rules = builtin_rules()  # a plugin installed on this machine is not documented here
    pages = {f"{rule.code}.md": _generated_note(_source_of(rule)) + "\n" + rule.documentation() for rule in rules}
    rows = [f"| [{rule.code}]({rule.code}.md) | `{rule.name}` | {_cell(rule.summary)} | {fix_column(rule)} | "
            f"{rule.severity}{'' if rule.default_enabled else ' (opt-in)'} |"
            for rule in rules]
    pages[INDEX_NAME] = "\n".join(
        [
            _generated_note("nnlint/rules/").rstrip("\n"),
            "",
            "# Rules",
            "",
            "Every rule nnlint has, by code. `nnlint rule CODE` prints the same page in the terminal.",
            "The Fix column says whether `--fix` can fix a finding: *safe* fixes are applied by `--fix`,",
            "*unsafe* ones only with `--fix --unsafe-fixes` (see [fixes](../fixes.md)). The Severity",
            "column is the default, which `[tool.nnlint.severity]` changes (see",
            "[configuration](../configuration.md#severities-and-fail-on)); *opt-in* rules run only when selected.",
            "",
            "| Code | Name | Summary | Fix | Severity |",
            "| --- | --- | --- | --- | --- |",
            *rows,
            "",
        ]
    )
    return pages


def stale_pages(rules_dir: Path, pages: dict[str, str]) -> list[Path]:
    """Pages in `rules_dir` named like a rule code whose code no longer exists."""
    if not rules_dir.is_dir():
        return []
    return sorted(p for p in rules_dir.iterdir() if CODE_PAGE.match(p.name) and p.name not in pages)


def main() -> int:
    pages = render_pages()
    RULES_DIR.mkdir(parents=True, exist_ok=True)
    changed = 0
    for name, content in pages.items():
        path = RULES_DIR / name
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            with open(path, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(content)
            changed += 1
            print(f"wrote {path.relative_to(RULES_DIR.parent.parent)}")
    for path in stale_pages(RULES_DIR, pages):
        path.unlink()
        changed += 1
        print(f"deleted {path.relative_to(RULES_DIR.parent.parent)}")
    print(f"{len(pages)} pages, {changed} changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
