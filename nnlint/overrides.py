"""Command-line settings that replace or extend the config's: `--exclude`, `--extend-exclude`,
`--per-file-ignores`, `--severity` and `--fail-on`.

They mean what the config keys of the same names mean, with one difference ruff makes too:
a pattern typed on the command line is relative to the working directory, not to the config
file's directory. Exclude patterns are gitignore-style and matched from `Config.root`, so an
anchored pattern (one with a `/` before its end) is rewritten to start from the root.
"""

from __future__ import annotations

import dataclasses
import os
import re
from typing import Optional, Sequence

from nnlint.config import Config
from nnlint.discover import relative_posix
from nnlint.selection import PerFileIgnores, UnknownSelectorError, codes_matching, split_selectors
from nnlint.severity import SeverityError, check_level, parse_assignments, resolve_overrides

_GLOB_SPECIAL = re.compile(r"([*?\[\]\\!#])")


class OverrideError(ValueError):
    """A command-line setting that cannot be used; the message names the option."""


def split_patterns(values: Sequence[str]) -> list[str]:
    """`--exclude a,b --exclude c` -> ["a", "b", "c"] (ruff's comma-separated lists)."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def rebase_pattern(pattern: str, cwd: str, root: str) -> str:
    """`pattern`, relative to `cwd`, as a gitignore-style pattern relative to `root`."""
    negated = pattern.startswith("!")
    body = pattern[1:] if negated else pattern
    anchored = "/" in body.rstrip("/")
    prefix = relative_posix(cwd, root) if anchored else None
    if prefix and prefix != ".":
        body = _GLOB_SPECIAL.sub(r"\\\1", prefix) + "/" + body.lstrip("/")
    return ("!" if negated else "") + body


def parse_per_file_ignores(values: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """`--per-file-ignores 'tests/*:NNL1,NNL6'` (repeatable) as a `{glob: codes}` table."""
    table: dict[str, tuple[str, ...]] = {}
    for value in values:
        glob, colon, codes = value.rpartition(":")
        if not colon or not glob.strip():
            raise OverrideError(f"--per-file-ignores {value!r} is not GLOB:CODES (e.g. 'tests/**:NNL1')")
        selectors = split_selectors([codes])
        for selector in selectors:
            try:
                codes_matching(selector)
            except UnknownSelectorError as error:
                raise OverrideError(f"{error} in --per-file-ignores") from None
        table[glob.strip()] = table.get(glob.strip(), ()) + tuple(selectors)
    return table


@dataclasses.dataclass(frozen=True)
class Overrides:
    """The command line's share of the settings (empty tuples: not given)."""

    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[str, ...] = ()
    severity: tuple[str, ...] = ()
    fail_on: Optional[str] = None

    def apply(self, config: Config, cwd: Optional[str] = None) -> Config:
        """`config` with these settings in force; OverrideError for a value that means nothing."""
        cwd = os.path.abspath(cwd or os.getcwd())
        changes: dict = {}
        if self.exclude:
            changes["exclude"] = tuple(rebase_pattern(p, cwd, config.root) for p in split_patterns(self.exclude))
        if self.extend_exclude:
            changes["extend_exclude"] = config.extend_exclude + tuple(
                rebase_pattern(p, cwd, config.root) for p in split_patterns(self.extend_exclude))
        if self.severity:
            try:
                cli_levels = resolve_overrides(parse_assignments(self.severity))
            except SeverityError as error:
                raise OverrideError(f"{error} in --severity") from None
            changes["severity"] = {**config.severity, **cli_levels}
        if self.fail_on is not None:
            try:
                changes["fail_on"] = check_level(self.fail_on, "--fail-on")
            except SeverityError as error:
                raise OverrideError(str(error)) from None
        return dataclasses.replace(config, **changes) if changes else config

    def per_file(self, config: Config, cwd: Optional[str] = None) -> PerFileIgnores:
        """The per-file ignores in force: the command line's (relative to the working
        directory) replace the config's table, as `--exclude` replaces `exclude`."""
        if self.per_file_ignores:
            return PerFileIgnores(parse_per_file_ignores(self.per_file_ignores), os.path.abspath(cwd or os.getcwd()))
        return PerFileIgnores(config.per_file_ignores, config.root)
