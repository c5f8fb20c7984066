"""The precision labels: well-formed, and no default rule below 90 % on the main corpus or on the
held-out sets pooled (docs/precision.md, "Default rules on the held-out sets").

The labels are the findings people read on real code and judged. A rule that is on by default
must stay at or above 90 % precision on the main corpus (tests/precision/labels/). The
held-out labels (tests/precision/holdout-labels/, holdout2-labels/, holdout3-labels/,
holdout4-labels/ and holdout5-labels/, repositories nobody tuned on when they were chosen) are
checked for form; the tables measured on them (docs/precision.md, "Held-out check" and the
checks after it) are pooled per rule, and that pooled precision gates the default rule set.
On the fifth set only the findings of the rules on by default when it was read are read
(scripts/precision.py --rules listed; its manifest lists them): it holds no label of another
rule and its table has no row of one.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from nnlint.rules import all_rules

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from precision import (  # noqa: E402
    LISTED_ONLY_NOTE, LISTED_ONLY_SETS, HOLDOUT2_LABELS, HOLDOUT2_MANIFEST, HOLDOUT3_LABELS,
    HOLDOUT3_MANIFEST, HOLDOUT4_LABELS, HOLDOUT4_MANIFEST, HOLDOUT5_LABELS, HOLDOUT5_MANIFEST,
    HOLDOUT_LABELS, HOLDOUT_MANIFEST, LABELS, MANIFEST, POOLED, DOC, held_out_counts, manifest,
    pooled_block, pooled_rows,
)

RULES = {rule.code: rule for rule in all_rules()}
FIELDS = {"repo", "path", "code", "line", "line_text", "verdict", "reason"}


def _entries(folder: Path = LABELS) -> list[tuple[Path, dict]]:
    found = []
    for file in sorted(folder.glob("*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.append((file, json.loads(line)))
    return found


@pytest.mark.parametrize(("folder", "listing"), [(LABELS, MANIFEST), (HOLDOUT_LABELS, HOLDOUT_MANIFEST),
                                                 (HOLDOUT2_LABELS, HOLDOUT2_MANIFEST),
                                                 (HOLDOUT3_LABELS, HOLDOUT3_MANIFEST),
                                                 (HOLDOUT4_LABELS, HOLDOUT4_MANIFEST),
                                                 (HOLDOUT5_LABELS, HOLDOUT5_MANIFEST)],
                         ids=["corpus", "holdout", "holdout2", "holdout3", "holdout4", "holdout5"])
def test_labels_are_well_formed(folder: Path, listing: Path) -> None:
    repos = {repo for repo, _, _ in manifest(listing)}
    for file, entry in _entries(folder):
        assert FIELDS <= set(entry), f"{file.name}: {entry} lacks {FIELDS - set(entry)}"
        assert entry["code"] == file.stem, f"{file.name} holds a label of {entry['code']}"
        assert entry["code"] in RULES, f"{file.name}: unknown rule {entry['code']}"
        assert entry["repo"] in repos, f"{file.name}: {entry['repo']} is not in {listing.name}"
        assert entry["verdict"] in ("true", "false"), f"{file.name}: verdict {entry['verdict']!r}"
        assert entry["reason"].strip(), f"{file.name}: a label needs its reason"


# The sets in the order they were chosen: each was read while the ones before it were tuned on.
SETS_IN_ORDER = (MANIFEST, HOLDOUT_MANIFEST, HOLDOUT2_MANIFEST, HOLDOUT3_MANIFEST, HOLDOUT4_MANIFEST,
                 HOLDOUT5_MANIFEST)


@pytest.mark.parametrize("index", range(1, len(SETS_IN_ORDER)),
                         ids=["holdout", "holdout2", "holdout3", "holdout4", "holdout5"])
def test_a_holdout_set_shares_no_repository_with_the_sets_before_it(index: int) -> None:
    # A held-out repository that is also in a set tuned on would carry that tuning into the
    # measurement the default rule set is decided on.
    listing = SETS_IN_ORDER[index]
    later = {repo.lower() for repo, _, _ in manifest(listing)}
    earlier = {repo.lower() for before in SETS_IN_ORDER[:index] for repo, _, _ in manifest(before)}
    assert later and not later & earlier, f"{listing.name} also has: {sorted(later & earlier)}"


@pytest.mark.parametrize("code", sorted(RULES))
def test_a_default_rule_is_at_least_90_percent_precise(code: str) -> None:
    verdicts = Counter(entry["verdict"] for _, entry in _entries() if entry["code"] == code)
    read = verdicts["true"] + verdicts["false"]
    if not read or not getattr(RULES[code], "default_enabled", True):
        return
    assert verdicts["true"] / read >= 0.9, (
        f"{code}: {verdicts['true']} of {read} labelled findings are real; below 90 % a rule "
        "must be opt-in (default_enabled = False) and its page must say so")


def _defaults() -> set[str]:
    return {code for code, rule in RULES.items() if getattr(rule, "default_enabled", True)}


_LISTED_ONLY = {HOLDOUT5_MANIFEST: (HOLDOUT5_LABELS, "holdout5-table")}


def test_every_listed_only_set_is_wired() -> None:
    assert set(LISTED_ONLY_SETS) == set(_LISTED_ONLY)


@pytest.mark.parametrize("listing", sorted(_LISTED_ONLY), ids=lambda listing: listing.stem)
def test_a_listed_only_set_names_real_rules_it_read(listing: Path) -> None:
    from precision import rules_read

    read = rules_read(listing)
    assert read, f"{listing.name} has no '# rules read:' line"
    assert not read - set(RULES), f"{listing.name} lists unknown rules {sorted(read - set(RULES))}"


@pytest.mark.parametrize("listing", sorted(_LISTED_ONLY), ids=lambda listing: listing.stem)
def test_a_listed_only_set_reads_no_other_rules_finding(listing: Path) -> None:
    # The other rules' findings are kept unseen for their next fixes: a label or a table row of
    # one would mean somebody read it, and its set could no longer test those fixes.
    from precision import rules_read

    folder, _ = _LISTED_ONLY[listing]
    read = sorted({entry["code"] for _, entry in _entries(folder)} - rules_read(listing))
    assert not read, f"{folder.name} labels rules its manifest does not list: {read}"


@pytest.mark.parametrize("listing", sorted(_LISTED_ONLY), ids=lambda listing: listing.stem)
def test_a_listed_only_table_says_so_and_has_only_rows_of_the_rules_read(listing: Path) -> None:
    # Its table joins the pooled one: a row of another rule there would be numbers nobody should
    # have read, and without the note a blank cell would read as "no finding".
    from precision import rules_read

    _, name = _LISTED_ONLY[listing]
    text = DOC.read_text(encoding="utf-8")
    block = text.split(f"<!-- {name}:start -->")[1].split(f"<!-- {name}:end -->")[0]
    assert LISTED_ONLY_NOTE in block, f"{name} does not say which rules are labelled"
    rows = {line.split("|")[1].strip() for line in block.splitlines() if line.startswith("| NNL")}
    outside = sorted(rows - rules_read(listing))
    assert rows and not outside, f"{name} has rows of rules not read there: {outside}"


def test_rules_listed_keeps_only_the_listed_rules_findings(tmp_path: Path) -> None:
    # --rules listed is how such a set is measured: another rule's finding never reaches the
    # table, the list of findings to label or --prune.
    from precision import Finding, of_rules, rules_read

    listing = tmp_path / "set.txt"
    listing.write_text("# a set\n# rules read: NNL107 NNL506\no/n 0123 4\n", encoding="utf-8")
    findings = [Finding("o/n", "a.py", "NNL107", 1, "a"), Finding("o/n", "a.py", "NNL201", 2, "b")]
    assert rules_read(listing) == {"NNL107", "NNL506"}
    assert of_rules(findings, rules_read(listing)) == findings[:1]
    assert of_rules(findings, None) == findings
    assert rules_read(HOLDOUT_MANIFEST) is None


def test_the_pooled_table_is_the_held_out_tables_pooled() -> None:
    # A held-out table rewritten without its pooled table (or a rule flipped since) would
    # leave docs/precision.md deciding the default set on numbers nobody measured together.
    text = DOC.read_text(encoding="utf-8")
    block = text.split(f"<!-- {POOLED}:start -->")[1].split(f"<!-- {POOLED}:end -->")[0]
    assert block == pooled_block(text, _defaults())


@pytest.mark.parametrize("code", sorted(RULES))
def test_a_default_rule_is_at_least_90_percent_precise_on_the_held_out_sets(code: str) -> None:
    counts = held_out_counts(DOC.read_text(encoding="utf-8")).get(code, {})
    true = sum(t for t, _ in counts.values())
    read = sum(r for _, r in counts.values())
    if not read or code not in _defaults():
        return
    assert true >= 0.9 * read, (
        f"{code}: {true} of {read} findings read on the held-out sets are real; below 90 % a "
        "rule must be opt-in (default_enabled = False) and its page must say so")


def test_the_pooled_table_reads_every_held_out_table() -> None:
    text = ("<!-- holdout-table:start -->\n| NNL101 | on | 3 | 2 | 2 | 0 | 100 % |\n<!-- holdout-table:end -->"
            "<!-- holdout2-table:start -->\n| NNL101 | on | 9 | 8 | 6 | 2 | 75 % |\n"
            "| NNL201 | opt-in | 1 | 1 | 0 | 1 | 0 % |\n<!-- holdout2-table:end -->")
    assert held_out_counts(text) == {"NNL101": {"holdout-table": (2, 2), "holdout2-table": (6, 8)},
                                     "NNL201": {"holdout2-table": (0, 1)}}
    assert pooled_rows(text, {"NNL101"})[2:] == ["| NNL101 | on | 2/2 | 6/8 | 8/10 | 80 % |",
                                                 "| NNL201 | opt-in |  | 0/1 | 0/1 | 0 % |"]


def test_the_pooled_table_orders_held_out_sets_by_number() -> None:
    # A fourth (or tenth) set gets its own column after the earlier ones, wherever its table sits.
    table = "<!-- {0}:start -->\n| NNL107 | on | 1 | 1 | 1 | 0 | 100 % |\n<!-- {0}:end -->"
    text = "".join(table.format(name) for name in ("holdout10-table", "holdout4-table", "holdout-table"))
    assert pooled_rows(text, {"NNL107"})[0] == "| rule | default | holdout | holdout4 | holdout10 | pooled | precision |"
    assert pooled_rows(text, {"NNL107"})[2] == "| NNL107 | on | 1/1 | 1/1 | 1/1 | 3/3 | 100 % |"


@pytest.mark.parametrize("folder", [HOLDOUT_LABELS, HOLDOUT2_LABELS, HOLDOUT3_LABELS, HOLDOUT4_LABELS,
                                    HOLDOUT5_LABELS],
                         ids=["holdout", "holdout2", "holdout3", "holdout4", "holdout5"])
def test_holdout_precision_is_reported(folder: Path) -> None:
    # Reported, not gated: the held-out sets measure how optimistic the corpus numbers are.
    # Run with -s (or -rA) to see it.
    verdicts: dict[str, Counter] = {}
    for _, entry in _entries(folder):
        verdicts.setdefault(entry["code"], Counter())[entry["verdict"]] += 1
    assert verdicts, f"{folder} holds no labels"
    for code in sorted(verdicts):
        read = verdicts[code]["true"] + verdicts[code]["false"]
        default = "on" if getattr(RULES[code], "default_enabled", True) else "opt-in"
        below = "  below 90 %" if default == "on" and verdicts[code]["true"] < 0.9 * read else ""
        print(f"{folder.name} {code} ({default}): {verdicts[code]['true']}/{read} "
              f"= {100 * verdicts[code]['true'] / read:.0f} %{below}")


def test_prune_rewrites_only_the_label_folder_it_is_given(tmp_path: Path) -> None:
    # --prune --labels tests/precision/holdout-labels must leave the main corpus's labels alone.
    from precision import prune, read_labels

    kept = {"repo": "a/b", "path": "x.py", "code": "NNL101", "line": 1, "line_text": "kept",
            "verdict": "true", "reason": "r"}
    gone = dict(kept, line_text="gone")
    (tmp_path / "NNL101.jsonl").write_text(json.dumps(kept) + "\n" + json.dumps(gone) + "\n")
    before = {file: file.read_text(encoding="utf-8") for file in LABELS.glob("*.jsonl")}
    labels = read_labels(tmp_path)
    prune(labels, {("a/b", "x.py", "NNL101", "kept")}, tmp_path)
    assert [entry["line_text"] for entry in read_labels(tmp_path).values()] == ["kept"]
    assert {file: file.read_text(encoding="utf-8") for file in LABELS.glob("*.jsonl")} == before


def test_show_prints_the_message_and_the_lines_around_a_finding(tmp_path: Path) -> None:
    # --show is what a labeller reads: the rule's message, the neighbouring lines, the line marked;
    # in a notebook the row counts within the finding's cell, not the file.
    from precision import Finding, context

    repo = tmp_path / "o+n"
    repo.mkdir()
    (repo / "a.py").write_text("one\ntwo\nthree\nfour\nfive\n", encoding="utf-8")
    cells = [{"cell_type": "code", "source": ["x = 1\n"]},
             {"cell_type": "code", "source": ["import torch\n", "y = torch.log(p)\n", "print(y)\n"]}]
    (repo / "b.ipynb").write_text(json.dumps({"cells": cells}), encoding="utf-8")

    shown = context(Finding("o/n", "a.py", "NNL201", 3, "three", None, "log of a probability"), tmp_path, 1)
    assert shown.splitlines()[1:] == ["  log of a probability", "      2  two", "      3> three", "      4  four"]
    cell = context(Finding("o/n", "b.ipynb", "NNL201", 2, "y = torch.log(p)", 2, "m"), tmp_path, 5)
    assert "b.ipynb cell 2:2" in cell
    assert "      2> y = torch.log(p)" in cell.splitlines() and "x = 1" not in cell
