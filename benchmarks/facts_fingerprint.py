"""A fingerprint of every fact nnlint's analysis derives from each file of a corpus.

For checking that a speed-up changes nothing: run it before and after, with the same
arguments, and compare the two output files (`diff`). Stronger than comparing findings,
because most facts never become a finding on a given corpus. libcst nodes are named by
their type and their position in a pre-order walk of the file, so fingerprints compare
across processes.

    PYTHONPATH=. python benchmarks/facts_fingerprint.py OUT.json CORPUS_DIR... [--jobs N]
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import hashlib
import json
import multiprocessing
import os
import sys
from typing import Any, Sequence

import libcst as cst

from nnlint.analysis import analyze
from nnlint.analysis.program.syntax import descendants
from nnlint.parse import ParsedFile, decode_source, parse_source


def _node_labels(module: cst.Module) -> dict[int, str]:
    return {id(node): f"{type(node).__name__}#{index}"
            for index, node in enumerate(descendants(module, stop=()))}


def _canonical(value: Any, labels: dict[int, str], active: set[int]) -> Any:
    if isinstance(value, cst.CSTNode):
        return labels.get(id(value), f"{type(value).__name__}#detached")
    if isinstance(value, int) and not isinstance(value, bool) and value in labels:
        return f"id:{labels[value]}"  # some facts hold id(node), e.g. the loops around an event
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, enum.Enum):
        return str(value)
    if id(value) in active:
        return "<cycle>"
    active.add(id(value))
    try:
        if dataclasses.is_dataclass(value):
            return [type(value).__name__] + [
                [f.name, _canonical(getattr(value, f.name), labels, active)] for f in dataclasses.fields(value)]
        if isinstance(value, dict):
            items = [[_canonical(k, labels, active), _canonical(v, labels, active)] for k, v in value.items()]
            return ["dict", sorted(items, key=repr)]
        if isinstance(value, (set, frozenset)):
            return ["set", sorted((_canonical(v, labels, active) for v in value), key=repr)]
        if isinstance(value, (list, tuple)):
            return [type(value).__name__] + [_canonical(v, labels, active) for v in value]
        if hasattr(value, "__dict__"):
            return [type(value).__name__, _canonical(vars(value), labels, active)]
        return repr(value)
    finally:
        active.discard(id(value))


def fingerprint(path: str) -> tuple[str, str]:
    with open(path, "rb") as handle:
        data = handle.read()
    decoded = decode_source(data)
    parsed = parse_source(decoded) if isinstance(decoded, str) else decoded
    if not isinstance(parsed, ParsedFile):
        return path, "unparsed"
    facts = analyze(parsed.module, path)
    text = json.dumps(_canonical(facts, _node_labels(parsed.module), set()), sort_keys=True)
    return path, hashlib.sha256(text.encode()).hexdigest()


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output")
    parser.add_argument("corpora", nargs="+")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    paths = sorted(os.path.join(directory, name) for corpus in args.corpora
                   for directory, _, names in os.walk(corpus) for name in names if name.endswith(".py"))
    with multiprocessing.Pool(args.jobs) as pool:
        results = dict(pool.imap_unordered(fingerprint, paths, chunksize=4))
    with open(args.output, "w", encoding="utf-8") as handle:
        json.dump(dict(sorted(results.items())), handle, indent=0)
    print(f"{len(results)} files fingerprinted into {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
