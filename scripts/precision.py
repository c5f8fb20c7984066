"""Measure each rule's precision on the real-code precision corpus, from kept labels.

The corpus is public repositories checked out side by side (`owner+name/` folders; the list
with commits is tests/precision/corpus.txt; none is a source nnlint is measured on). Every
rule's findings are matched against tests/precision/labels/<CODE>.jsonl, one JSON object a
line:

    {"repo": "owner/name", "path": "dir/file.py", "code": "NNL502", "line": 12,
     "line_text": "model(x)", "verdict": "true", "reason": "dropout, never eval()"}

A label is keyed on (repo, path, code, stripped text of the finding's line), so it survives
lines moving. Rules with more than --sample findings are judged on a stable sample (the
findings whose key hashes lowest), so a rerun asks only about findings new to the sample.

    python scripts/precision.py CORPUS                 # the table; lists findings still to label
    python scripts/precision.py CORPUS --todo F.jsonl  # write those, verdict empty, to fill in
    python scripts/precision.py CORPUS --write-docs    # also rewrite docs/precision.md's table
    python scripts/precision.py CORPUS --prune         # drop labels of findings now gone
    python scripts/precision.py CORPUS --show 12       # each unlabelled finding in its context

The held-out set (repositories no rule was tuned on) is measured with the same script:

    python scripts/precision.py HOLDOUT --manifest tests/precision/holdout.txt \
        --labels tests/precision/holdout-labels --write-docs --table holdout-table

and so is the second held-out set, chosen once the first was being tuned on:

    python scripts/precision.py HOLDOUT2 --manifest tests/precision/holdout2.txt \
        --labels tests/precision/holdout2-labels --write-docs --table holdout2-table

and the third, chosen once the second was being tuned on:

    python scripts/precision.py HOLDOUT3 --manifest tests/precision/holdout3.txt \
        --labels tests/precision/holdout3-labels --write-docs --table holdout3-table

and the fourth, chosen while the first three were being tuned on (nobody tunes on it):

    python scripts/precision.py HOLDOUT4 --manifest tests/precision/holdout4.txt \
        --labels tests/precision/holdout4-labels --write-docs --table holdout4-table

and the fifth, on which only the rules on by default when it was read are read, every
finding of them (--sample 0): its manifest lists those rules (`# rules read: ...`), the other
rules' findings are kept unseen for their next fixes, so its table has no row of them (and
adds none to the pooled table) and says so:

    python scripts/precision.py HOLDOUT5 --manifest tests/precision/holdout5.txt \
        --labels tests/precision/holdout5-labels --rules listed --sample 0 \
        --write-docs --table holdout5-table

Every rule runs, opt-in ones too (`--select ALL`), each repository as its own project; with
`--rules listed` the findings of rules the manifest does not list are dropped before the
table, the list of findings to label and --prune see them. The list is fixed when the set is
read: a rule turned opt-in later (on the strength of these very labels) keeps its row.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parents[1]
LABELS = HERE / "tests" / "precision" / "labels"
MANIFEST = HERE / "tests" / "precision" / "corpus.txt"
HOLDOUT_LABELS = HERE / "tests" / "precision" / "holdout-labels"
HOLDOUT_MANIFEST = HERE / "tests" / "precision" / "holdout.txt"
HOLDOUT2_LABELS = HERE / "tests" / "precision" / "holdout2-labels"
HOLDOUT2_MANIFEST = HERE / "tests" / "precision" / "holdout2.txt"
HOLDOUT3_LABELS = HERE / "tests" / "precision" / "holdout3-labels"
HOLDOUT3_MANIFEST = HERE / "tests" / "precision" / "holdout3.txt"
HOLDOUT4_LABELS = HERE / "tests" / "precision" / "holdout4-labels"
HOLDOUT4_MANIFEST = HERE / "tests" / "precision" / "holdout4.txt"
HOLDOUT5_LABELS = HERE / "tests" / "precision" / "holdout5-labels"
HOLDOUT5_MANIFEST = HERE / "tests" / "precision" / "holdout5.txt"
# Sets on which only some rules' findings are read (measured with --rules listed; the manifest's
# `# rules read:` line names them): the other rules' findings are kept as unseen code for their
# next fixes. Their tables carry LISTED_ONLY_NOTE.
LISTED_ONLY_SETS = (HOLDOUT5_MANIFEST,)
LISTED_ONLY_NOTE = ("Only the rules listed in the manifest (on by default when the set was read) are "
                    "labelled on this set; the others' findings stay unread (--rules listed).")
_RULES_READ = "# rules read:"
DOC = HERE / "docs" / "precision.md"
# The table --write-docs rewrites sits between <!-- NAME:start --> and <!-- NAME:end -->.
TABLE = "precision-table"
# The held-out sets' tables are named holdout-table, holdout2-table, ...; their rows pooled per
# rule are the table the default rule set is decided on, rewritten with every --write-docs.
HELD_OUT_TABLE = re.compile(r"<!-- (holdout\d*-table):start -->(.*?)<!-- \1:end -->", re.S)
POOLED = "default-rules-table"


@dataclass(frozen=True)
class Finding:
    repo: str
    path: str
    code: str
    line: int
    line_text: str
    # Where a notebook finding sits, and what the rule said: shown by --show, not part of the key.
    cell: Optional[int] = field(default=None, compare=False)
    message: str = field(default="", compare=False)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.repo, self.path, self.code, self.line_text)

    def sample_rank(self) -> str:
        return hashlib.sha256("\0".join(self.key).encode()).hexdigest()


def rules_read(path: Path) -> Optional[frozenset[str]]:
    """The rules whose findings are read on the set `path` lists (its `# rules read:` line);
    None when the manifest has no such line (every rule's are)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(_RULES_READ):
            return frozenset(line[len(_RULES_READ):].split())
    return None


def manifest(path: Path = MANIFEST) -> list[tuple[str, str, int]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            repo, commit, files = line.split()
            rows.append((repo, commit, int(files)))
    return rows


def read_labels(folder: Path = LABELS) -> dict[tuple[str, str, str, str], dict]:
    labels = {}
    for file in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            entry = json.loads(line)
            labels[(entry["repo"], entry["path"], entry["code"], entry["line_text"])] = entry
    return labels


def _source_lines(file: Path, cell: Optional[int]) -> list[str]:
    """The lines of `file`, or of its notebook cell `cell` (1-based), as nnlint numbers them."""
    try:
        if cell is not None:
            source = json.loads(file.read_text(encoding="utf-8"))["cells"][cell - 1]["source"]
            return ("".join(source) if isinstance(source, list) else source).splitlines()
        return file.read_text(encoding="utf-8", errors="replace").splitlines()
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return []


def _line_text(file: Path, row: int, cell: Optional[int]) -> str:
    lines = _source_lines(file, cell)
    return lines[row - 1].strip() if 0 < row <= len(lines) else ""


def context(finding: Finding, corpus: Path, around: int) -> str:
    """The finding's message and the `around` lines either side of it, its own line marked."""
    file = corpus / finding.repo.replace("/", "+") / finding.path
    lines = _source_lines(file, finding.cell)
    where = f"{finding.path}" + (f" cell {finding.cell}" if finding.cell is not None else "")
    shown = [f"{finding.code} {finding.repo} {where}:{finding.line}", f"  {finding.message}"]
    for number in range(max(1, finding.line - around), min(len(lines), finding.line + around) + 1):
        shown.append(f"  {number:>5}{'>' if number == finding.line else ' '} {lines[number - 1]}")
    return "\n".join(shown)


def run_repo(nnlint: list[str], corpus: Path, repo: str) -> list[Finding]:
    folder = corpus / repo.replace("/", "+")
    command = [*nnlint, "check", "--isolated", "--no-cache", "--select", "ALL", "--exit-zero",
               "--quiet", "--output-format", "json", "-j", "1", "."]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"nnlint failed on {repo}: {done.stderr[-2000:]}")
    findings = []
    for item in json.loads(done.stdout or "[]"):
        if item["code"].startswith("NNL0"):
            continue
        path = item["filename"]
        row = item["location"]["row"]
        findings.append(Finding(repo, path, item["code"], row,
                                _line_text(folder / path, row, item.get("cell")),
                                item.get("cell"), item.get("message", "")))
    return findings


def sampled(findings: list[Finding], size: int) -> list[Finding]:
    unique = {f.key: f for f in findings}
    ordered = sorted(unique.values(), key=Finding.sample_rank)
    return ordered[:size] if size else ordered


def default_codes() -> set[str]:
    sys.path.insert(0, str(HERE))
    from nnlint.rules import all_rules

    return {rule.code for rule in all_rules() if getattr(rule, "default_enabled", True)}


def of_rules(findings: list[Finding], rules: Optional[frozenset[str]]) -> list[Finding]:
    """The findings of the `rules` given; of every rule when None."""
    if rules is None:
        return findings
    return [finding for finding in findings if finding.code in rules]


def table(findings: list[Finding], labels: dict, size: int) -> tuple[list[str], list[Finding]]:
    by_code: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_code[finding.code].append(finding)
    defaults = default_codes()
    rows = ["| rule | default | findings | read | true | false | precision |",
            "|---|---|---:|---:|---:|---:|---:|"]
    todo = []
    for code in sorted(by_code):
        read = true = 0
        for finding in sampled(by_code[code], size):
            label = labels.get(finding.key)
            if label is None or label.get("verdict") not in ("true", "false"):
                todo.append(finding)
                continue
            read += 1
            true += label["verdict"] == "true"
        precision = f"{100 * true / read:.0f} %" if read else "-"
        rows.append(f"| {code} | {'on' if code in defaults else 'opt-in'} | {len(by_code[code])} "
                    f"| {read} | {true} | {read - true} | {precision} |")
    return rows, todo


def held_out_counts(text: str) -> dict[str, dict[str, tuple[int, int]]]:
    """(true, read) per rule and held-out table, read back from the tables in docs/precision.md."""
    counts: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for name, block in HELD_OUT_TABLE.findall(text):
        for line in block.splitlines():
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if len(cells) == 7 and cells[0].startswith("NNL"):
                counts[cells[0]][name] = (int(cells[4]), int(cells[3]))
    return counts


def pooled_rows(text: str, defaults: set[str]) -> list[str]:
    """One row per rule: its true/read on each held-out set and over all of them together."""
    counts = held_out_counts(text)
    names = sorted({name for per_set in counts.values() for name in per_set},
                   key=lambda name: int(re.sub(r"\D", "", name) or 1))
    rows = ["| rule | default | " + " | ".join(n.removesuffix("-table") for n in names)
            + " | pooled | precision |",
            "|---|---|" + "---:|" * len(names) + "---:|---:|"]
    for code in sorted(counts):
        true = sum(t for t, _ in counts[code].values())
        read = sum(r for _, r in counts[code].values())
        per_set = [f"{counts[code][n][0]}/{counts[code][n][1]}" if n in counts[code] else ""
                   for n in names]
        precision = f"{100 * true / read:.0f} %" if read else "-"
        rows.append(f"| {code} | {'on' if code in defaults else 'opt-in'} | " + " | ".join(per_set)
                    + f" | {true}/{read} | {precision} |")
    return rows


def pooled_block(text: str, defaults: set[str]) -> str:
    """The pooled table, and the default rules it cannot vouch for: no finding on any held-out set."""
    counts = held_out_counts(text)
    # NNL0xx (unreadable input, unused suppressions) and the dynamic mode's NNL9xx are not
    # findings about code that run_repo reads.
    unmeasured = sorted(code for code in defaults if not code.startswith(("NNL0", "NNL9"))
                        and not sum(read for _, read in counts.get(code, {}).values()))
    note = ("On by default with no finding read on any held-out set (their precision there is "
            "unmeasured): " + ", ".join(unmeasured) + ".") if unmeasured else ""
    return "\n" + "\n".join(pooled_rows(text, defaults)) + "\n\n" + (note + "\n\n" if note else "")


def rewrite_block(text: str, name: str, body: str) -> str:
    opening, closing = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    start, end = text.index(opening) + len(opening), text.index(closing)
    return text[:start] + body + text[end:]


def prune(labels: dict, current: set, folder: Path = LABELS) -> None:
    """Rewrite each label file in `folder` without the labels of findings no longer reported."""
    kept: dict[str, list[dict]] = defaultdict(list)
    for key, entry in labels.items():
        if key in current:
            kept[entry["code"]].append(entry)
    for file in folder.glob("*.jsonl"):
        entries = kept.get(file.stem, [])
        file.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--sample", type=int, default=25, help="findings read per rule (0: all)")
    parser.add_argument("--todo", type=Path, help="write the unlabelled sampled findings here")
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--prune", action="store_true",
                        help="drop labels of findings the rules no longer report")
    parser.add_argument("--nnlint", default=str(Path(sys.executable).with_name("nnlint")))
    parser.add_argument("--manifest", type=Path, default=MANIFEST,
                        help="repositories to check (repository commit files a line)")
    parser.add_argument("--labels", type=Path, default=LABELS,
                        help="folder of <CODE>.jsonl labels to score against (and --prune)")
    parser.add_argument("--show", type=int, default=0, metavar="N",
                        help="print each unlabelled finding's message and N lines either side")
    parser.add_argument("--rules", choices=("all", "listed"), default="all",
                        help="whose findings to table and label: every rule's, or only those of the "
                             "rules the manifest's '# rules read:' line lists (the others' stay unread)")
    parser.add_argument("--table", default=TABLE,
                        help="name of the docs/precision.md markers --write-docs writes between")
    args = parser.parse_args(argv)
    findings: list[Finding] = []
    repos = manifest(args.manifest)
    read = rules_read(args.manifest) if args.rules == "listed" else None
    if args.rules == "listed" and read is None:
        parser.error(f"--rules listed: {args.manifest} has no '{_RULES_READ}' line")
    for repo, _, _ in repos:
        findings.extend(run_repo([args.nnlint], args.corpus, repo))
    findings = of_rules(findings, read)
    labels = read_labels(args.labels)
    if args.prune:
        prune(labels, {finding.key for finding in findings}, args.labels)
        labels = read_labels(args.labels)
    rows, todo = table(findings, labels, args.sample)
    files = sum(count for _, _, count in repos)
    counted = "findings of the rules read" if read is not None else "findings"
    print(f"{len(repos)} repositories, {files} files, {len(findings)} {counted}")
    if read is not None:
        print(LISTED_ONLY_NOTE)
    print("\n".join(rows))
    if todo:
        print(f"\n{len(todo)} sampled finding(s) without a label:")
        for finding in todo:
            if args.show:
                print(context(finding, args.corpus, args.show) + "\n")
            else:
                print(f"  {finding.code} {finding.repo} {finding.path}:{finding.line}  {finding.line_text}")
    if args.todo:
        with args.todo.open("w", encoding="utf-8") as out:
            for finding in todo:
                out.write(json.dumps({"repo": finding.repo, "path": finding.path, "code": finding.code,
                                      "line": finding.line, "line_text": finding.line_text,
                                      "verdict": "", "reason": ""}) + "\n")
    if args.write_docs:
        summary = f"\n{len(repos)} repositories, {files} files, {len(findings)} {counted}.\n\n"
        if read is not None:
            summary += LISTED_ONLY_NOTE + "\n\n"
        text = rewrite_block(DOC.read_text(encoding="utf-8"), args.table,
                             summary + "\n".join(rows) + "\n\n")
        DOC.write_text(rewrite_block(text, POOLED, pooled_block(text, default_codes())), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
