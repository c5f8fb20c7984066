"""Lint, apply the fixes that do not overlap, lint again, until nothing more applies.

A fix can make another finding fixable, or two fixes can overlap so that only one applies
per pass; ruff loops the same way. Every intermediate text must parse: a fix whose result
does not parse is skipped (and reported as skipped), never written.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import Callable, Optional, Protocol, Sequence

from nnlint.diagnostic import Diagnostic, Fix
from nnlint.fix.apply import apply_fixes, choose_fixes
from nnlint.notebook import Notebook, parse_notebook
from nnlint.parse import ParsedFile, decode_source, parse_source, source_encoding

# Enough for chains of fixes that enable each other; a fix that keeps re-creating its own
# finding stops here instead of looping forever.
MAX_PASSES = 10

Lint = Callable[[bytes], list[Diagnostic]]


@dataclass
class FileFixes:
    """What fixing one file did. `fixed` is the new content (equal to `original` when
    nothing applied); `remaining` the findings of the fixed content."""

    original: bytes
    fixed: bytes
    applied: list[Diagnostic] = field(default_factory=list)
    remaining: list[Diagnostic] = field(default_factory=list)
    # Findings whose fix was not applied because the result would not parse.
    unparsable: list[Diagnostic] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.fixed != self.original


def enabled(fix: Optional[Fix], unsafe: bool) -> bool:
    """Whether `--fix` applies this fix (unsafe ones only with `--unsafe-fixes`)."""
    return fix is not None and (unsafe or fix.is_safe)


def _identity(diagnostic: Diagnostic) -> tuple[str, str, str]:
    # Positions move as earlier fixes apply; the code, message and line text do not.
    return diagnostic.code, diagnostic.message, diagnostic.source_line.strip()


def _parses(text: str) -> bool:
    parsed = parse_source(text)
    return isinstance(parsed, ParsedFile) and parsed.complete


class FixableText(Protocol):
    """What the loop edits: a `.py` file's text, or a notebook (nnlint/notebook.py)."""

    code: str  # the Python that must parse after each pass

    def apply(self, fixes: Sequence[Fix]) -> Optional["FixableText"]: ...

    def encode(self) -> bytes: ...


class _PythonFile:
    """A `.py` file's text as the fix loop edits it."""

    def __init__(self, code: str, original: bytes) -> None:
        self.code, self._original = code, original

    def apply(self, fixes: Sequence[Fix]) -> Optional["_PythonFile"]:
        text = apply_fixes(self.code, fixes)
        return _PythonFile(text, self._original) if text is not None else None

    def encode(self) -> bytes:
        return _encode(self.code, self._original)


def _document(data: bytes, notebook: bool) -> Optional[FixableText]:
    if notebook:
        parsed = parse_notebook(data)
        return parsed if isinstance(parsed, Notebook) else None
    text = decode_source(data)
    return _PythonFile(text, data) if isinstance(text, str) else None


def _encode(text: str, original: bytes) -> bytes:
    encoding = source_encoding(original)
    if encoding.replace("_", "-").lower() == "utf-8-sig" and not original.startswith(codecs.BOM_UTF8):
        encoding = "utf-8"
    return text.encode(encoding)


def fix_source(data: bytes, lint: Lint, unsafe: bool, found: Optional[Sequence[Diagnostic]] = None,
               notebook: bool = False) -> FileFixes:
    """Fix the source `data` as far as its findings' fixes go. `lint` gives the findings of
    a version of the file; `found` are those of `data` when already known. A `notebook`
    is edited in its cells and written back as notebook JSON."""
    result = FileFixes(original=data, fixed=data)
    diagnostics = list(found) if found is not None else lint(data)
    text = _document(data, notebook)
    if text is None:
        result.remaining = diagnostics
        return result
    refused: set[tuple[str, str, str]] = set()
    for _ in range(MAX_PASSES):
        candidates = [d for d in sorted(diagnostics, key=Diagnostic.sort_key)
                      if enabled(d.fix, unsafe) and _identity(d) not in refused]
        chosen_fixes = choose_fixes([d.fix for d in candidates if d.fix is not None])
        chosen = [d for d in candidates if any(d.fix is fix for fix in chosen_fixes)]
        if not chosen:
            break
        new_text = text.apply(chosen_fixes)
        if new_text is None or not _parses(new_text.code):
            chosen, new_text = _parsing_subset(text, chosen, result, refused)
        if not chosen or new_text is None:
            continue
        try:
            new_data = new_text.encode()
        except UnicodeEncodeError:
            # The replacement has a character the file's declared encoding cannot hold.
            result.unparsable.extend(chosen)
            refused.update(_identity(d) for d in chosen)
            continue
        text = new_text
        result.fixed = new_data
        result.applied.extend(chosen)
        diagnostics = lint(new_data)
    result.remaining = diagnostics
    return result


def _parsing_subset(text: FixableText, chosen: list[Diagnostic], result: FileFixes,
                    refused: set[tuple[str, str, str]]) -> tuple[list[Diagnostic], Optional[FixableText]]:
    """The fixes that keep the file parseable, tried one at a time; the others are refused."""
    kept: list[Diagnostic] = []
    current = text
    for diagnostic in chosen:
        assert diagnostic.fix is not None
        trial = text.apply([d.fix for d in kept if d.fix is not None] + [diagnostic.fix])
        if trial is not None and _parses(trial.code):
            kept.append(diagnostic)
            current = trial
        else:
            result.unparsable.append(diagnostic)
            refused.add(_identity(diagnostic))
    return kept, current if kept else None
