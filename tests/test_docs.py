"""docs/rules/ is generated from the rules by scripts/build_docs.py and must be up to date."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from nnlint.rules import all_rules

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = PROJECT_ROOT / "docs" / "rules"
REBUILD = "run `python scripts/build_docs.py` and commit the result"

# In this order, as headings of their own, in every rule's documentation.
REQUIRED_SECTIONS = (
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## When to ignore it",
)


def _load_build_docs():
    spec = importlib.util.spec_from_file_location("build_docs", PROJECT_ROOT / "scripts" / "build_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_docs = _load_build_docs()
PAGES = build_docs.render_pages()
RULES = all_rules()


def test_the_script_writes_into_docs_rules():
    assert build_docs.RULES_DIR == RULES_DIR


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_is_up_to_date(name):
    path = RULES_DIR / name
    assert path.is_file(), f"docs/rules/{name} is missing: {REBUILD}"
    assert path.read_text(encoding="utf-8") == PAGES[name], f"docs/rules/{name} is out of date: {REBUILD}"


def test_every_rule_has_a_page_and_the_index_links_it():
    index = PAGES[build_docs.INDEX_NAME]
    for rule in RULES:
        assert f"{rule.code}.md" in PAGES
        assert f"[{rule.code}]({rule.code}.md)" in index


def test_no_stale_pages():
    stale = build_docs.stale_pages(RULES_DIR, PAGES)
    assert not stale, f"pages of codes that no longer exist: {[p.name for p in stale]}: {REBUILD}"


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_documentation_has_the_required_sections_in_order(rule):
    headings = [line.strip() for line in rule.documentation().splitlines() if line.startswith("## ")]
    missing = [section for section in REQUIRED_SECTIONS if section not in headings]
    assert not missing, f"{rule.code}'s docstring lacks the section(s) {missing}"
    order = [headings.index(section) for section in REQUIRED_SECTIONS]
    assert order == sorted(order), f"{rule.code}'s sections are not in the order {list(REQUIRED_SECTIONS)}"


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_rule_metadata_is_well_formed(rule):
    assert re.fullmatch(r"NNL[0-9]{3}", rule.code), rule.code
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), f"{rule.code}: name {rule.name!r} is not kebab-case"
    assert rule.summary.strip() and "\n" not in rule.summary, f"{rule.code}: summary must be one line"
    assert rule.documentation().startswith(f"# {rule.code}: {rule.name}\n")


def test_codes_and_names_are_unique():
    codes = [rule.code for rule in RULES]
    names = [rule.name for rule in RULES]
    assert len(set(codes)) == len(codes), codes
    assert len(set(names)) == len(names), names
