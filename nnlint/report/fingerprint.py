"""A finding's identity across runs, for services that track findings over time
(code scanning, GitLab Code Quality): what a finding is, not where it currently sits."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Iterable

from nnlint.diagnostic import Diagnostic


def line_independent_key(diagnostic: Diagnostic, path_key: str) -> str:
    """A hash of the code, the file, the text of the finding's line and the message.

    No line or column: a finding must keep its identity when lines are inserted above it,
    so the service does not report it as fixed and new again.
    """
    normalised_line = " ".join(diagnostic.source_line.split())
    joined = "\0".join((diagnostic.code, path_key, normalised_line, diagnostic.message))
    # surrogatepass: a file name that is not UTF-8 reaches here as lone surrogates.
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()


def numbered_keys(keys: Iterable[str]) -> list[str]:
    """Each key with its occurrence number (`key:1`, `key:2`, ...): identical lines with the
    same finding in one file stay distinct, and services that keep only the first finding
    of a fingerprint do not drop the others."""
    seen: Counter[str] = Counter()
    numbered = []
    for key in keys:
        seen[key] += 1
        numbered.append(f"{key}:{seen[key]}")
    return numbered
