"""Rules from other packages: the `nnlint.rules` entry-point group.

A package adds rules by declaring, in its own metadata,

    [project.entry-points."nnlint.rules"]
    acme = "acme_nnlint_rules"            # a module: every Rule subclass defined in it
    acme-one = "acme_nnlint_rules:ACM101"  # or one Rule class

Only installed packages are loaded, never a module named by a project's configuration: a
configuration is part of the code being linted, and static mode never runs that code (a
repository under review could otherwise make its own linter execute it).
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Iterable, Optional

from nnlint.rules.base import Rule, rules_defined_in

GROUP = "nnlint.rules"
# A code is letters then digits; the letters are the plugin's own prefix, NNL is nnlint's.
_CODE_SHAPE = re.compile(r"[A-Z]{2,}[0-9]{2,}")
_RESERVED_PREFIX = "NNL"
_REQUIRED = ("code", "name", "summary")


class PluginError(Exception):
    """An installed rule plugin that cannot be used; the message names it and says why."""


@dataclass(frozen=True)
class PluginRule:
    """A loaded plugin rule and where it came from (for messages and the cache key)."""

    rule: type[Rule]
    entry_point: str
    distribution: str


def _entry_points() -> Iterable[metadata.EntryPoint]:
    return metadata.entry_points(group=GROUP)


def _distribution(entry: metadata.EntryPoint) -> str:
    dist = getattr(entry, "dist", None)
    return f"{dist.name} {dist.version}" if dist is not None else entry.value


def _rules_in(loaded: object, where: str) -> list[type[Rule]]:
    if isinstance(loaded, ModuleType):
        found = rules_defined_in(loaded)
        if not found:
            raise PluginError(f"{where}: module {loaded.__name__!r} defines no nnlint Rule subclass")
        return found
    if isinstance(loaded, type) and issubclass(loaded, Rule) and loaded is not Rule:
        return [loaded]
    raise PluginError(f"{where}: names {loaded!r}, which is neither a module nor an nnlint Rule subclass")


def _validate(rule: type[Rule], where: str) -> None:
    missing = [name for name in _REQUIRED if not isinstance(getattr(rule, name, None), str)]
    if missing:
        raise PluginError(f"{where}: rule class {rule.__name__} does not set {', '.join(missing)}")
    if not _CODE_SHAPE.fullmatch(rule.code):
        raise PluginError(f"{where}: rule code {rule.code!r} is not upper-case letters then digits (e.g. ACM101)")
    if rule.code.startswith(_RESERVED_PREFIX):
        raise PluginError(f"{where}: rule code {rule.code!r} uses nnlint's own prefix {_RESERVED_PREFIX}; "
                          "choose a prefix of your own")
    if rule.check is Rule.check:
        raise PluginError(f"{where}: rule {rule.code} does not define check(facts, report)")
    if rule.dynamic_only:
        raise PluginError(f"{where}: rule {rule.code} is dynamic_only; plugins can add static rules only")


def load_plugin_rules(taken: Iterable[str] = ()) -> tuple[PluginRule, ...]:
    """Every rule the installed plugins declare, checked; `taken` are the built-in codes."""
    seen: dict[str, str] = {code: "nnlint itself" for code in taken}
    loaded: list[PluginRule] = []
    for entry in sorted(_entry_points(), key=lambda e: (e.name, e.value)):
        where = f"rule plugin {entry.name!r} ({_distribution(entry)}, entry point {entry.value!r})"
        try:
            target = entry.load()
        except Exception as error:  # noqa: BLE001 - any failure of foreign code is reported as its own
            raise PluginError(f"{where} cannot be loaded: {type(error).__name__}: {error}") from error
        for rule in _rules_in(target, where):
            _validate(rule, where)
            if rule.code in seen:
                raise PluginError(f"{where}: rule code {rule.code} is already defined by {seen[rule.code]}")
            seen[rule.code] = where
            loaded.append(PluginRule(rule, entry.value, _distribution(entry)))
    return tuple(loaded)


def plugin_origin(rule: type[Rule]) -> Optional[str]:
    """`None` for nnlint's own rules; for a plugin rule, the distribution that provides it."""
    if rule.is_builtin():
        return None
    from nnlint.rules import plugin_rules

    for plugin in plugin_rules():
        if plugin.rule is rule:
            return plugin.distribution
    return rule.__module__


def plugin_fingerprint() -> str:
    """A hash of the plugins' names, versions and module sources, for the cache key: a plugin
    upgraded or edited in place must not be answered from entries its old code wrote."""
    from nnlint.rules import plugin_rules

    digest = hashlib.sha256()
    for plugin in plugin_rules():
        digest.update(f"{plugin.rule.code}\0{plugin.distribution}\0{plugin.entry_point}\0".encode())
        module = sys.modules.get(plugin.rule.__module__)
        source = getattr(module, "__file__", None)
        try:
            if source:
                digest.update(hashlib.sha256(Path(source).read_bytes()).digest())
        except OSError:
            pass  # keyed on name and version alone
    return digest.hexdigest()
