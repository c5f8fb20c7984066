"""The rule registry: every module `nnlXXX_*.py` in this package defines one rule, and the
installed packages of the `nnlint.rules` entry-point group add theirs (nnlint.rules.plugins)."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from nnlint.rules.base import Rule, rules_defined_in
from nnlint.rules.plugins import PluginRule, load_plugin_rules

# NNL001 is produced by the parse stage, not by a rule over facts; it is listed so that
# selection, docs and SARIF treat it like every other code.
SYNTAX_ERROR_CODE = "NNL001"


@lru_cache(maxsize=1)
def builtin_rules() -> tuple[type[Rule], ...]:
    """nnlint's own rule classes, ordered by code."""
    found: list[type[Rule]] = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("nnl"):
            continue
        found.extend(rules_defined_in(importlib.import_module(f"{__name__}.{info.name}")))
    return tuple(sorted(found, key=lambda rule: rule.code))


def rules_by_code() -> dict[str, type[Rule]]:
    return {rule.code: rule for rule in all_rules()}


@lru_cache(maxsize=1)
def plugin_rules() -> tuple[PluginRule, ...]:
    """The installed plugins' rules; raises PluginError for one that cannot be used."""
    return load_plugin_rules(rule.code for rule in builtin_rules())


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class, nnlint's and the plugins', ordered by code."""
    return tuple(sorted([*builtin_rules(), *(plugin.rule for plugin in plugin_rules())],
                        key=lambda rule: rule.code))
