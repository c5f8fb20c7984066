"""The base of the NNL9xx rules: findings that only running a model can show."""

from __future__ import annotations

from nnlint.rules.base import Rule


class DynamicRule(Rule):
    """Reported by `nnlint check --dynamic` from the probes' results; the static pass has
    nothing to look at, so `check` reports nothing."""

    dynamic_only = True

    def check(self, facts, report) -> None:
        return
