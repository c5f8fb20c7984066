"""Which rule codes are enabled: select / extend-select / ignore, and per-file ignores.

Selectors are `ALL`, a full code (`NNL101`) or a code prefix (`NNL`, `NNL1`, `NNL10`).
Resolution follows ruff: settings come in layers (defaults, config file, command line);
within a layer a more specific selector beats a less specific one and, at equal
specificity, ignore beats select; a layer that sets `select` starts over from it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional, Sequence

from nnlint.discover import relative_posix
from nnlint.rules import all_rules

ALL = "ALL"
# Only code-shaped prefixes are selectors, and only with a code's whole letter part: "N" or
# "NN" would be accidents, not intent. Plugin rules bring their own letters (ACM101).
_SELECTOR_SHAPE = re.compile(r"(?P<letters>[A-Z]+)[0-9]*")
_LETTERS = re.compile(r"[A-Z]+")


class UnknownSelectorError(ValueError):
    """A code or prefix that matches no rule; the caller adds where it was written."""

    def __init__(self, selector: str) -> None:
        self.selector = selector
        hint = ""
        if selector != selector.upper() and _matches(selector.upper(), known_codes()):
            hint = f" (codes are upper-case: did you mean {selector.upper()!r}?)"
        super().__init__(f"unknown rule code or prefix {selector!r}{hint}")


def known_codes() -> tuple[str, ...]:
    # Read the registry every time: rules are plain modules and new ones appear without
    # anyone touching this file.
    return tuple(rule.code for rule in all_rules())


def _matches(selector: str, codes: Iterable[str]) -> frozenset[str]:
    if selector == ALL:
        return frozenset(codes)
    shape = _SELECTOR_SHAPE.fullmatch(selector)
    if not shape:
        return frozenset()
    letters = shape.group("letters")
    return frozenset(code for code in codes
                     if code.startswith(selector) and _LETTERS.match(code).group() == letters)


def codes_matching(selector: str) -> frozenset[str]:
    """The codes a selector stands for; an error when it stands for none."""
    found = _matches(selector, known_codes())
    if not found:
        raise UnknownSelectorError(selector)
    return found


def split_selectors(values: Iterable[str]) -> list[str]:
    """`--select NNL1,NNL2 --select NNL001` -> ["NNL1", "NNL2", "NNL001"]."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _specificity(selector: str) -> int:
    return 0 if selector == ALL else len(selector)


@dataclass(frozen=True)
class SelectionLayer:
    """One source of selection settings. `select=None` means "not set here"."""

    select: Optional[Sequence[str]] = None
    extend_select: Sequence[str] = ()
    ignore: Sequence[str] = ()


# Every rule but the opt-in ones (`default_enabled = False`, e.g. NNL003): a user who
# writes `select` starts over from their own list, so `ALL` or `NNL0` still enables them.
DEFAULT_LAYER = SelectionLayer(select=(ALL,))


def default_codes() -> frozenset[str]:
    """The codes enabled when no selection is configured."""
    return frozenset(rule.code for rule in all_rules() if rule.default_enabled)


def resolve_selection(layers: Sequence[SelectionLayer]) -> frozenset[str]:
    """The enabled codes after applying `layers` in order (put DEFAULT_LAYER first)."""
    enabled: set[str] = set()
    for layer in layers:
        if layer is DEFAULT_LAYER:
            enabled = set(default_codes())
            continue
        selectors = [(s, True) for s in [*(layer.select or ()), *layer.extend_select]]
        selectors += [(s, False) for s in layer.ignore]
        # Broad selectors first so that narrower ones override them; at the same
        # specificity the ignore comes last and wins.
        selectors.sort(key=lambda item: (_specificity(item[0]), 0 if item[1] else 1))
        updates: dict[str, bool] = {}
        for selector, on in selectors:
            for code in codes_matching(selector):
                updates[code] = on
        if layer.select is not None:
            enabled = {code for code, on in updates.items() if on}
        else:
            for code, on in updates.items():
                (enabled.add if on else enabled.discard)(code)
    return frozenset(enabled)


def _glob_to_regex(pattern: str) -> str:
    """A glob as ruff reads per-file-ignores patterns (globset defaults): `*` and `?` also
    match `/`, `**/` matches zero or more directories, `[...]`/`[!...]` are classes and
    `{a,b}` alternatives."""
    out: list[str] = []
    i, n, braces = 0, len(pattern), 0
    while i < n:
        char = pattern[i]
        if pattern.startswith("**/", i) and (i == 0 or pattern[i - 1] == "/"):
            out.append("(?:.*/)?")
            i += 3
            continue
        if char == "*":
            out.append(".*")
            i += 2 if pattern.startswith("**", i) else 1
            continue
        if char == "?":
            out.append(".")
        elif char == "[":
            end = pattern.find("]", i + 2 if pattern[i + 1 : i + 2] in ("!", "^") else i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : end]
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        elif char == "{":
            braces += 1
            out.append("(?:")
        elif char == "}" and braces:
            braces -= 1
            out.append(")")
        elif char == "," and braces:
            out.append("|")
        elif char == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out) + ")" * braces


@dataclass(frozen=True)
class _PerFileIgnore:
    pattern: str
    regex: re.Pattern
    absolute: bool
    negated: bool
    codes: frozenset[str]


class PerFileIgnores:
    """`per-file-ignores`: glob -> codes. A pattern is matched against the file's path
    relative to `root` (the config file's directory) and against its basename; a leading
    `!` applies the ignores to the files that do *not* match."""

    def __init__(self, table: Mapping[str, Sequence[str]], root: str) -> None:
        self._root = os.path.abspath(root)
        self._entries: list[_PerFileIgnore] = []
        for pattern, selectors in table.items():
            negated = pattern.startswith("!")
            glob = pattern[1:] if negated else pattern
            absolute = os.path.isabs(glob)
            if not absolute:
                glob = glob[2:] if glob.startswith("./") else glob
            else:
                glob = glob.replace(os.sep, "/")
            codes = frozenset().union(*(codes_matching(s) for s in selectors)) if selectors else frozenset()
            self._entries.append(
                _PerFileIgnore(pattern, re.compile(_glob_to_regex(glob), re.DOTALL), absolute, negated, codes)
            )

    def __bool__(self) -> bool:
        return bool(self._entries)

    def table(self) -> dict[str, list[str]]:
        """Pattern -> the codes it switches off (for `--show-settings`)."""
        return {entry.pattern: sorted(entry.codes) for entry in self._entries}

    def ignored_codes(self, path: str) -> frozenset[str]:
        """The codes switched off for `path` (as the user named it)."""
        if not self._entries:
            return frozenset()
        absolute = os.path.abspath(path)
        basename = os.path.basename(absolute)
        relative = relative_posix(absolute, self._root)
        absolute_posix = absolute.replace(os.sep, "/")
        ignored: set[str] = set()
        for entry in self._entries:
            if entry.absolute:
                hit = bool(entry.regex.fullmatch(absolute_posix))
            else:
                hit = bool(entry.regex.fullmatch(basename)) or (
                    relative is not None and bool(entry.regex.fullmatch(relative))
                )
            if hit != entry.negated:
                ignored |= entry.codes
        return frozenset(ignored)
