"""`[tool.nnlint]` in pyproject.toml: finding it, reading it, rejecting what it cannot mean.

Every error names the key or code and the file, because a config typo that is silently
ignored turns a linter off without anyone noticing.
"""

from __future__ import annotations

import difflib
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on old interpreters only
    import tomli as tomllib

from nnlint.reading import Unreadable, read_bounded
from nnlint.dynamic.settings import DynamicSettings, DynamicSettingsError, parse_dynamic_table
from nnlint.rules import rules_by_code
from nnlint.selection import UnknownSelectorError, codes_matching
from nnlint.severity import FAIL_ON_DEFAULT, SeverityError, check_level, resolve_overrides

CONFIG_FILENAME = "pyproject.toml"
TABLE = "[tool.nnlint]"
# A pyproject.toml is a few kB; more is a mistake or an attack (a link to /dev/zero).
MAX_CONFIG_BYTES = 1_000_000

_CODE_LISTS = ("select", "extend-select", "ignore")
_PATTERN_LISTS = ("exclude", "extend-exclude")
_BOOLEANS = ("respect-gitignore", "force-exclude")
_TABLES = ("per-file-ignores", "rules", "dynamic", "severity")
_STRINGS = ("fail-on",)
KNOWN_KEYS = (*_CODE_LISTS, *_PATTERN_LISTS, *_BOOLEANS, *_TABLES, *_STRINGS)


class ConfigError(Exception):
    """A configuration that cannot be used; the message is meant for the user as is."""


@dataclass(frozen=True)
class Config:
    """Settings for one run. `root` is the directory that relative patterns
    (`exclude`, `per-file-ignores`) are relative to: the config file's directory, or
    the working directory when no config file is used."""

    root: str
    path: Optional[str] = None
    select: Optional[tuple[str, ...]] = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: Optional[tuple[str, ...]] = None
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    force_exclude: bool = False
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    dynamic: DynamicSettings = field(default_factory=DynamicSettings)
    # Code -> "error"/"warning" where `severity` changes a rule's default.
    severity: Mapping[str, str] = field(default_factory=dict)
    fail_on: str = FAIL_ON_DEFAULT


def _read_toml(path: str) -> dict[str, Any]:
    try:
        return tomllib.loads(read_bounded(path, MAX_CONFIG_BYTES).decode("utf-8"))
    except Unreadable as error:
        raise ConfigError(f"cannot read config file {path}: {error.reason}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"invalid TOML in {path}: {error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"invalid TOML in {path}: the file is not UTF-8") from None


def _nnlint_table(document: Mapping[str, Any]) -> Optional[Any]:
    tool = document.get("tool")
    return tool.get("nnlint") if isinstance(tool, dict) else None


def find_config_file(start: str) -> Optional[str]:
    """The nearest pyproject.toml at or above `start` that has a [tool.nnlint] table.

    A pyproject.toml without the table is passed over, as ruff does, so that a monorepo
    can keep nnlint's settings at the top while packages have their own pyproject.toml.
    """
    directory = os.path.abspath(start)
    if not os.path.isdir(directory):
        directory = os.path.dirname(directory)
    while True:
        candidate = os.path.join(directory, CONFIG_FILENAME)
        if os.path.isfile(candidate) and _nnlint_table(_read_toml(candidate)) is not None:
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _type_name(value: Any) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a number",
             list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


class _Reader:
    """Validates one [tool.nnlint] table, with error messages that say where."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.where = f"{TABLE} of {path}"

    def string_list(self, table: Mapping[str, Any], key: str, where: Optional[str] = None) -> tuple[str, ...]:
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            got = _type_name(value) + (f" ({value!r})" if isinstance(value, str) else "")
            raise ConfigError(f"{key!r} in {where or self.where} must be a list of strings, not {got}")
        return tuple(value)

    def codes(self, table: Mapping[str, Any], key: str, where: Optional[str] = None) -> tuple[str, ...]:
        selectors = self.string_list(table, key, where)
        for selector in selectors:
            try:
                codes_matching(selector)
            except UnknownSelectorError as error:
                raise ConfigError(f"{error} in {key!r} in {where or self.where}") from None
        return selectors

    def boolean(self, table: Mapping[str, Any], key: str) -> bool:
        value = table[key]
        if not isinstance(value, bool):
            raise ConfigError(f"{key!r} in {self.where} must be true or false, not {_type_name(value)}")
        return value

    def table(self, table: Mapping[str, Any], key: str) -> dict[str, Any]:
        value = table[key]
        if not isinstance(value, dict):
            raise ConfigError(f"{key!r} in {self.where} must be a table, not {_type_name(value)}")
        return value

    def per_file_ignores(self, table: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
        globs = self.table(table, "per-file-ignores")
        where = f"[tool.nnlint.per-file-ignores] of {self.path}"
        return {glob: self.codes(globs, glob, where) for glob in globs}

    def rule_options(self, table: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        rules = self.table(table, "rules")
        known = rules_by_code()
        result: dict[str, dict[str, Any]] = {}
        for code, options in rules.items():
            rule = known.get(code)
            if rule is None:
                raise ConfigError(f"unknown rule code {code!r} in [tool.nnlint.rules] of {self.path}")
            where = f"[tool.nnlint.rules.{code}] of {self.path}"
            if not isinstance(options, dict):
                raise ConfigError(f"{code!r} in [tool.nnlint.rules] of {self.path} must be a table, "
                                  f"not {_type_name(options)}")
            accepted: Mapping[str, type] = getattr(rule, "options", {})
            checked: dict[str, Any] = {}
            for name, value in options.items():
                if name not in accepted:
                    offer = ", ".join(sorted(accepted)) if accepted else "none"
                    raise ConfigError(f"unknown option {name!r} in {where} ({code} options: {offer})")
                expected = accepted[name]
                # bool is an int to Python but `max-depth = true` is a mistake, not 1.
                wrong = isinstance(value, bool) and expected is not bool
                if expected is float and isinstance(value, int) and not isinstance(value, bool):
                    value = float(value)
                if wrong or not isinstance(value, expected):
                    raise ConfigError(f"option {name!r} in {where} must be {expected.__name__}, "
                                      f"not {_type_name(value)}")
                if expected in (int, float):
                    _check_range(value, getattr(rule, "option_maximums", {}).get(name), f"option {name!r} in {where}")
                checked[name] = value
            result[code] = checked
        return result


def _check_range(value: float, maximum: Optional[float], what: str) -> None:
    # Every numeric rule option is a count, a depth, a rate or a ratio: positive and finite
    # (`not value > 0` also catches nan, which TOML allows).
    if not value > 0 or math.isinf(value):
        raise ConfigError(f"{what} must be a positive number, not {value!r}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{what} must be at most {maximum!r}, not {value!r}")


def read_config(path: str) -> Config:
    """The settings in `path`, which must have a [tool.nnlint] table."""
    table = _nnlint_table(_read_toml(path))
    if table is None:
        raise ConfigError(f"no {TABLE} table in {path}")
    reader = _Reader(path)
    if not isinstance(table, dict):
        raise ConfigError(f"{TABLE} in {path} must be a table, not {_type_name(table)}")
    for key in table:
        if key not in KNOWN_KEYS:
            close = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"unknown key {key!r} in {reader.where}{hint}")
    settings: dict[str, Any] = {}
    if "select" in table:
        settings["select"] = reader.codes(table, "select")
    if "extend-select" in table:
        settings["extend_select"] = reader.codes(table, "extend-select")
    if "ignore" in table:
        settings["ignore"] = reader.codes(table, "ignore")
    if "exclude" in table:
        settings["exclude"] = reader.string_list(table, "exclude")
    if "extend-exclude" in table:
        settings["extend_exclude"] = reader.string_list(table, "extend-exclude")
    for key in _BOOLEANS:
        if key in table:
            settings[key.replace("-", "_")] = reader.boolean(table, key)
    if "per-file-ignores" in table:
        settings["per_file_ignores"] = reader.per_file_ignores(table)
    if "rules" in table:
        settings["rule_options"] = reader.rule_options(table)
    if "severity" in table:
        try:
            settings["severity"] = resolve_overrides(reader.table(table, "severity"))
        except SeverityError as error:
            raise ConfigError(f"{error} in [tool.nnlint.severity] of {path}") from None
    if "fail-on" in table:
        try:
            settings["fail_on"] = check_level(table["fail-on"], "'fail-on'")
        except SeverityError as error:
            raise ConfigError(f"{error} in {reader.where}") from None
    if "dynamic" in table:
        try:
            settings["dynamic"] = parse_dynamic_table(reader.table(table, "dynamic"), path)
        except DynamicSettingsError as error:
            raise ConfigError(str(error)) from None
    return Config(root=os.path.dirname(os.path.abspath(path)), path=path, **settings)


def load_config(
    paths: Sequence[str] = (),
    *,
    config_file: Optional[str] = None,
    isolated: bool = False,
    cwd: Optional[str] = None,
) -> Config:
    """The settings for a run over `paths`: `config_file` if given, else the nearest
    [tool.nnlint] above the first path (or the working directory); none when isolated."""
    cwd = os.path.abspath(cwd or os.getcwd())
    if isolated:
        if config_file is not None:
            raise ConfigError("--config and --isolated cannot be used together")
        return Config(root=cwd)
    if config_file is not None:
        if not os.path.exists(config_file):
            raise ConfigError(f"config file not found: {config_file}")
        return read_config(config_file)
    start = paths[0] if paths and paths[0] != "-" else cwd
    found = find_config_file(os.path.join(cwd, start))
    return read_config(found) if found else Config(root=cwd)
