"""`check --show-settings` and `check --show-files`: what a run would use, without running it.

Both answer "why is (not) this file or rule checked?" the way ruff's options of the same
names do: the settings after the config file and the command line are combined, and the
files discovery finds.
"""

from __future__ import annotations

import dataclasses
import json
from typing import AbstractSet, Any, Sequence

from nnlint.config import Config
from nnlint.discover import DEFAULT_EXCLUDE
from nnlint.rules import all_rules


def settings_record(config: Config, codes: AbstractSet[str], per_file: Any, output_format: str) -> dict[str, Any]:
    """Everything a run over these settings depends on, as JSON-ready data."""
    rules = all_rules()
    return {
        "config_file": config.path,
        "root": config.root,
        "enabled": sorted(codes),
        "exclude": list(DEFAULT_EXCLUDE if config.exclude is None else config.exclude),
        "extend_exclude": list(config.extend_exclude),
        "respect_gitignore": config.respect_gitignore,
        "force_exclude": config.force_exclude,
        "per_file_ignores": per_file.table(),
        "severity": {rule.code: config.severity.get(rule.code, rule.severity) for rule in rules},
        "fail_on": config.fail_on,
        "output_format": output_format,
        "rules": {rule.code: {**rule.defaults, **config.rule_options.get(rule.code, {})}
                  for rule in rules if rule.defaults or rule.code in config.rule_options},
        "dynamic": dataclasses.asdict(config.dynamic),
    }


def render_settings(record: dict[str, Any], output_format: str) -> str:
    if output_format == "json":
        return json.dumps(record, indent=2, default=str) + "\n"
    lines = []
    for key, value in record.items():
        if isinstance(value, dict) and value:
            lines.append(f"{key}:")
            lines.extend(f"  {name} = {json.dumps(item, default=str)}" for name, item in value.items())
        else:
            lines.append(f"{key} = {json.dumps(value, default=str)}")
    return "\n".join(lines) + "\n"


def render_files(files: Sequence[str], output_format: str) -> str:
    if output_format == "json":
        return json.dumps(list(files), indent=2) + "\n"
    return "".join(path + "\n" for path in files)
