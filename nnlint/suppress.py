"""Suppression comments: which codes each line silences, and which codes the whole file does.

Line level: `# noqa`, `# noqa: CODES`, `# nnlint: ignore[CODES]` on a finding's first line.
File level: `# nnlint: noqa` (every code) or `# nnlint: noqa: CODES`, on a line of its own,
like ruff's `# ruff: noqa`. The file-level form names nnlint, so that a flake8 or ruff run
never mistakes it for a directive of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import AbstractSet, Iterable, Optional, Sequence

from nnlint.diagnostic import SAFE, Diagnostic, Edit, Fix, Position

_CODES = r"(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)"
_NOQA = re.compile(r"#\s*noqa(?P<colon>\s*:\s*" + _CODES + r")?", re.IGNORECASE)
_NNLINT_IGNORE = re.compile(r"#\s*nnlint\s*:\s*ignore\[(?P<codes>[^\]]*)\]")
# Only a comment line: after code it would read as a line directive, which it is not.
_FILE_NOQA = re.compile(r"[ \t\f]*(?P<directive>#\s*nnlint\s*:\s*noqa(?:\s*:\s*" + _CODES + r")?)",
                        re.IGNORECASE)
_CODE = re.compile(r"[A-Z]+[0-9]+")

ALL_CODES = None  # a bare `# noqa` silences every code on its line


def silenced_codes(line: str) -> Optional[set[str]] | None:
    """The codes silenced on `line`: an empty set for none, ALL_CODES (None) for all."""
    if "#" not in line:
        return set()
    codes: set[str] = set()
    for match in _NOQA.finditer(line):
        if not match.group("codes"):
            return ALL_CODES
        codes.update(_CODE.findall(match.group("codes").upper()))
    for match in _NNLINT_IGNORE.finditer(line):
        codes.update(_CODE.findall(match.group("codes").upper()))
    return codes


@dataclass(frozen=True)
class Directive:
    """One suppression comment: its 1-based line, 0-based columns of the comment text, and
    the codes it names (ALL_CODES for a bare one). `file_level` for `# nnlint: noqa`;
    `names` are the codes in written order and `kind` ("noqa", "ignore", "file") says how
    to write the comment again with fewer codes."""

    line: int
    start: int
    end: int
    codes: Optional[frozenset[str]]
    file_level: bool
    names: tuple[str, ...] = ()
    kind: str = "noqa"


def _names(codes: Optional[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_CODE.findall(codes.upper()))) if codes else ()


def file_directives(lines: list[str]) -> list[Directive]:
    """The `# nnlint: noqa[: CODES]` lines of a file."""
    found = []
    for number, line in enumerate(lines, 1):
        if "nnlint" not in line:
            continue
        match = _FILE_NOQA.match(line)
        if match is None:
            continue
        names = _names(match.group("codes"))
        found.append(Directive(number, match.start("directive"), match.end("directive"),
                               frozenset(names) if names else ALL_CODES, True, names, "file"))
    return found


def line_directives(number: int, line: str) -> list[Directive]:
    """The line-level directives on one line, each with the codes it names."""
    if "#" not in line:
        return []
    found = []
    for match in _NOQA.finditer(line):
        names = _names(match.group("codes"))
        found.append(Directive(number, match.start(), match.end(),
                               frozenset(names) if names else ALL_CODES, False, names, "noqa"))
    for match in _NNLINT_IGNORE.finditer(line):
        names = _names(match.group("codes"))
        found.append(Directive(number, match.start(), match.end(), frozenset(names), False, names, "ignore"))
    return found


def file_silenced(lines: list[str]) -> Optional[frozenset[str]]:
    """The codes the file-level directives silence: ALL_CODES for a bare one."""
    codes: set[str] = set()
    for directive in file_directives(lines):
        if directive.codes is ALL_CODES:
            return ALL_CODES
        codes |= directive.codes
    return frozenset(codes)


def drop_suppressed(diagnostics: Iterable[Diagnostic], lines: list[str]) -> list[Diagnostic]:
    """The diagnostics silenced neither by the file's `# nnlint: noqa` lines nor by a
    comment on their first line."""
    diagnostics = list(diagnostics)
    if not diagnostics:
        return []
    whole_file = file_silenced(lines)
    if whole_file is ALL_CODES:
        return []
    kept = []
    cache: dict[int, Optional[set[str]]] = {}
    for diagnostic in diagnostics:
        if diagnostic.code in whole_file:
            continue
        row = diagnostic.start.line
        if row not in cache:
            cache[row] = silenced_codes(lines[row - 1]) if 0 < row <= len(lines) else set()
        silenced = cache[row]
        if silenced is ALL_CODES or diagnostic.code in silenced:
            continue
        kept.append(diagnostic)
    return kept


UNUSED_SUPPRESSION = "NNL003"
_OWN_CODE = re.compile(r"NNL[0-9]+")


def _unused(directive: Directive, found: set[str], checked: AbstractSet[str],
            known: AbstractSet[str]) -> tuple[list[str], list[str]]:
    """The (unknown, unused) nnlint codes a directive names (plugin rules' codes included);
    foreign codes are not judged."""
    unknown, unused = [], []
    for code in sorted(directive.codes or ()):
        if not (_OWN_CODE.fullmatch(code) or code in known) or code == UNUSED_SUPPRESSION:
            continue
        if code not in known:
            unknown.append(code)
        elif code in checked and code not in found:
            unused.append(code)
    return unknown, unused


def _message(directive: Directive, unknown: list[str], unused: list[str]) -> str:
    where = "in this file" if directive.file_level else "on this line"
    parts = []
    if unused:
        parts.append(f"no {', '.join(unused)} finding {where}")
    if unknown:
        parts.append(f"unknown code{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
    kind = "File-level suppression" if directive.file_level else "Suppression"
    return f"{kind} matches nothing: {'; '.join(parts)}"


def unused_suppressions(diagnostics: Sequence[Diagnostic], lines: list[str], path: str,
                        checked: AbstractSet[str]) -> list[Diagnostic]:
    """NNL003 findings for the directives in `lines` that silence none of `diagnostics`
    (every finding of the file's `checked` codes, before suppression)."""
    from nnlint.rules import rules_by_code  # the registry imports every rule; only NNL003 needs it

    rules = rules_by_code()
    known = frozenset(rules)
    rule = rules[UNUSED_SUPPRESSION]
    by_line: dict[int, set[str]] = {}
    for diagnostic in diagnostics:
        by_line.setdefault(diagnostic.start.line, set()).add(diagnostic.code)
    in_file = {diagnostic.code for diagnostic in diagnostics}
    reported = []
    directives = file_directives(lines)
    file_lines = {directive.line for directive in directives}
    for number, line in enumerate(lines, 1):
        if number not in file_lines and "#" in line:
            directives.extend(line_directives(number, line))
    for directive in directives:
        if directive.codes is ALL_CODES:
            # A bare `# noqa` is flake8's and ruff's too; a bare `# nnlint: noqa` is ours.
            if not directive.file_level or in_file:
                continue
            unknown, unused, message = [], [], "File-level `# nnlint: noqa` matches nothing: no finding in this file"
        else:
            found = in_file if directive.file_level else by_line.get(directive.line, set())
            unknown, unused = _unused(directive, found, checked, known)
            if not unknown and not unused:
                continue
            message = _message(directive, unknown, unused)
        text = lines[directive.line - 1]
        reported.append(Diagnostic(
            code=rule.code, name=rule.name, message=message, path=path,
            start=Position(directive.line, directive.start + 1), end=Position(directive.line, directive.end + 1),
            severity=rule.severity, source_line=text,
            fix=_fix(directive, text, len(lines), set(unknown) | set(unused)),
        ))
    return reported


_REWRITTEN = {"noqa": "# noqa: {}", "ignore": "# nnlint: ignore[{}]", "file": "# nnlint: noqa: {}"}


def _fix(directive: Directive, text: str, line_count: int, dropped: set[str]) -> Optional[Fix]:
    """The directive without the codes that match nothing, or without the directive when
    none is left; None where removing it could take other text with it."""
    row = directive.line
    keep = [name for name in directive.names if name not in dropped]
    if keep:
        edit = Edit(Position(row, directive.start + 1), Position(row, directive.end + 1),
                    _REWRITTEN[directive.kind].format(", ".join(keep)))
        return Fix(f"Remove {', '.join(sorted(dropped))} from the suppression", (edit,), SAFE)
    if directive.file_level:
        # The whole comment line goes, with its line break when a line follows.
        end = Position(row + 1, 1) if row < line_count else Position(row, len(text) + 1)
        return Fix("Remove the file-level suppression", (Edit(Position(row, 1), end, ""),), SAFE)
    rest = text[directive.end:]
    # A comment of its own after the directive (`# noqa: NNL101  # type: ignore`) stays; a
    # reason written after it (`# noqa: NNL101 the loss expects ...`) goes with it, unless a
    # `#` in it might start another tool's comment.
    if rest.lstrip().startswith("#"):
        end = directive.end
    elif "#" in rest:
        return None
    else:
        end = len(text)
    before = text[:directive.start]
    start = len(before.rstrip()) if before.strip() else 0
    return Fix("Remove the unused suppression", (Edit(Position(row, start + 1), Position(row, end + 1), ""),), SAFE)


def names_code(lines: list[str], line: int, code: str) -> bool:
    """Whether `code` is named explicitly on `line` or in a file-level directive: a bare
    directive does not silence the report that it is itself unused."""
    whole_file = file_silenced(lines)
    if whole_file is not ALL_CODES and code in whole_file:
        return True
    named = silenced_codes(lines[line - 1]) if 0 < line <= len(lines) else set()
    return named is not ALL_CODES and code in named


def apply_suppressions(diagnostics: Sequence[Diagnostic], lines: list[str], path: str,
                       selected: AbstractSet[str], checked: Optional[AbstractSet[str]] = None) -> list[Diagnostic]:
    """`drop_suppressed`, plus the NNL003 findings when that code is selected and `checked`
    (the codes whose every finding is in `diagnostics`) is given."""
    kept = drop_suppressed(diagnostics, lines)
    if checked is None or UNUSED_SUPPRESSION not in selected:
        return kept
    unused = [d for d in unused_suppressions(diagnostics, lines, path, checked)
              if not names_code(lines, d.start.line, UNUSED_SUPPRESSION)]
    return sorted(kept + unused, key=Diagnostic.sort_key) if unused else kept
