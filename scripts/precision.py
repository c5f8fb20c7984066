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

and the third, chosen once the second was being tuned on (the one the default rule set is
decided on):

    python scripts/precision.py HOLDOUT3 --manifest tests/precision/holdout3.txt \
        --labels tests/precision/holdout3-labels --write-docs --table holdout3-table

Every rule runs, opt-in ones too (`--select ALL`), each repository as its own project.
"""

from __future__ import annotations

import argparse
import hashlib
import json
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
DOC = HERE / "docs" / "precision.md"
# The table --write-docs rewrites sits between <!-- NAME:start --> and <!-- NAME:end -->.
TABLE = "precision-table"


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
    parser.add_argument("--table", default=TABLE,
                        help="name of the docs/precision.md markers --write-docs writes between")
    args = parser.parse_args(argv)
    findings: list[Finding] = []
    repos = manifest(args.manifest)
    for repo, _, _ in repos:
        findings.extend(run_repo([args.nnlint], args.corpus, repo))
    labels = read_labels(args.labels)
    if args.prune:
        prune(labels, {finding.key for finding in findings}, args.labels)
        labels = read_labels(args.labels)
    rows, todo = table(findings, labels, args.sample)
    files = sum(count for _, _, count in repos)
    print(f"{len(repos)} repositories, {files} files, {len(findings)} findings")
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
        text = DOC.read_text(encoding="utf-8")
        opening, closing = f"<!-- {args.table}:start -->", f"<!-- {args.table}:end -->"
        start, end = text.index(opening) + len(opening), text.index(closing)
        summary = f"\n{len(repos)} repositories, {files} files, {len(findings)} findings.\n\n"
        DOC.write_text(text[:start] + summary + "\n".join(rows) + "\n\n" + text[end:], encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
