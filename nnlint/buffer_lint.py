"""Linting text that is not (or not yet) on disk, as if it were the file at `path`.

Editors hold the truth in memory: the language server lints the buffer being typed and the
flake8 plugin lints the lines flake8 read. Both must agree with
`nnlint check --stdin-filename PATH`, so they take their settings and their run from the same
places it does: the `[tool.nnlint]` found above `path` (selection, per-file ignores, rule
options, excludes when `force-exclude` is on) and a project run rooted where `path`'s project
is, so that a loss in the buffer is linked to a model defined in another file of the project.
Only the buffer comes from memory; the project's other files are read from disk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

from nnlint.cache import Cache
from nnlint.cache_dir import configured_directory, locate
from nnlint.config import Config, load_config
from nnlint.diagnostic import Diagnostic
from nnlint.discover import is_force_excluded
from nnlint.fix.loop import fix_source
from nnlint.lint import lint_source
from nnlint.parse import decode_source, source_encoding
from nnlint.project import find_project_root
from nnlint.runner import ProjectRun, RunResult
from nnlint.selection import DEFAULT_LAYER, PerFileIgnores, SelectionLayer, resolve_selection
from nnlint.severity import apply_severities


def config_for(path: str, cwd: Optional[str] = None) -> Config:
    """The configuration that `nnlint check --stdin-filename PATH` would use (raises ConfigError)."""
    return load_config([path], cwd=cwd)


def selected_codes(config: Config, path: str) -> frozenset[str]:
    """The codes that run on `path`: the config's selection minus its per-file ignores."""
    layer = SelectionLayer(config.select, config.extend_select, config.ignore)
    codes = resolve_selection([DEFAULT_LAYER, layer])
    return codes - PerFileIgnores(config.per_file_ignores, config.root).ignored_codes(path)


def _as_file_bytes(text: str) -> bytes:
    """`text` as the file would hold it: in the encoding its coding cookie declares, so that
    reading it back (which honours the cookie) gives `text` again and columns stay right."""
    utf8 = text.encode("utf-8", "surrogatepass")
    try:
        return text.encode(source_encoding(utf8))
    except (LookupError, UnicodeEncodeError):
        return utf8  # the cookie is wrong; nnlint reports that (NNL002) as for a file


def lint_buffer(source: Union[str, bytes], path: str, config: Config, use_cache: bool = False) -> RunResult:
    """The findings in `source` labelled and configured as the file `path`, and nnlint's own
    errors while checking it. `use_cache` stores results in the project's cache as
    `nnlint check` does; an editor's ever-changing buffer would only fill it up."""
    if config.force_exclude and is_force_excluded(path, config):
        return RunResult()
    data = _as_file_bytes(source) if isinstance(source, str) else source
    root = find_project_root(Path(path))
    directory = locate(*configured_directory(root)).directory if use_cache else None
    cache = Cache(directory) if directory is not None else None
    run = ProjectRun(root, lambda label: selected_codes(config, label), config.rule_options, cache,
                     jobs=1).check([(path, data)])
    # An editor shows the configured severities, as `nnlint check` reports them.
    run.diagnostics = apply_severities(run.diagnostics, config.severity)
    return run


def fix_buffer(text: str, path: str, config: Config, found: Optional[list[Diagnostic]] = None) -> Optional[str]:
    """`text` with every safe fix applied, as `nnlint check --fix --stdin-filename PATH` would
    write it; None when no fix applies. `found` are the findings of `text` when known."""
    if config.force_exclude and is_force_excluded(path, config):
        return None
    codes = selected_codes(config, path)
    result = fix_source(_as_file_bytes(text), lambda data: lint_source(data, path, codes, config.rule_options),
                        unsafe=False, found=found)
    if not result.changed:
        return None
    fixed = decode_source(result.fixed)
    return fixed if isinstance(fixed, str) else None
