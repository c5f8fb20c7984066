"""The `nnlint` command: check, rules, rule CODE.

The CLI owns what the user sees around the findings: where output goes, the summary line,
error messages and the exit status (0 clean, 1 findings, 2 usage/config/internal error).
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import NoReturn, Optional, Sequence, Union

import click

from nnlint import __version__
from nnlint.add_noqa import add_noqa as write_noqa_directives
from nnlint.changed_lines import ChangedLines, DiffBaseError, changed_lines, keep_changed
from nnlint.config import Config, ConfigError, load_config
from nnlint.dynamic.settings import DTYPES
from nnlint.diagnostic import Diagnostic
from nnlint.discover import discover, is_force_excluded
from nnlint.cache import Cache
from nnlint.cache_dir import clean, configured_directory, locate
from nnlint.fix.files import fix_run, unified_diff, write_fixes
from nnlint.fix.summary import shown_fixes, summary as fix_summary, would_fix
from nnlint.parse import MAX_SOURCE_BYTES
from nnlint.project import find_project_root
from nnlint.overrides import OverrideError, Overrides
from nnlint.reading import TooLarge, read_stream_bounded
from nnlint.runner import ProjectRun, default_jobs
from nnlint.report import OUTPUT_FORMATS, render, render_statistics, render_statistics_json
from nnlint.rules import all_rules, rules_by_code
from nnlint.rules.plugins import PluginError
from nnlint.selection import (
    DEFAULT_LAYER,
    SelectionLayer,
    UnknownSelectorError,
    codes_matching,
    resolve_selection,
    split_selectors,
)
from nnlint.severity import SEVERITIES, apply_severities, failing
from nnlint.show import render_files, render_settings, settings_record

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
STDIN = "-"
# Formats read by people get a summary line; machine formats must stay pure.
_HUMAN_FORMATS = ("text", "full")


def _error(message: str) -> None:
    click.echo(f"nnlint: error: {message}", err=True)


def _fail(message: str) -> NoReturn:
    _error(message)
    sys.exit(EXIT_ERROR)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="nnlint", message="%(prog)s %(version)s")
def cli() -> None:
    """Find the PyTorch bugs behind "my network always predicts the same class" and
    "my loss is NaN", without running the code."""
    try:
        all_rules()  # the installed rule plugins too: a broken one stops every command here
    except PluginError as error:
        _fail(str(error))


def _selected_codes(config: Config, select: Sequence[str], extend_select: Sequence[str],
                    ignore: Sequence[str]) -> frozenset[str]:
    cli_layer = SelectionLayer(
        select=split_selectors(select) if select else None,
        extend_select=split_selectors(extend_select),
        ignore=split_selectors(ignore),
    )
    for option, values in (("--select", cli_layer.select or ()), ("--extend-select", cli_layer.extend_select),
                           ("--ignore", cli_layer.ignore)):
        for selector in values:
            try:
                codes_matching(selector)
            except UnknownSelectorError as error:
                _fail(f"{error} in {option}")
    config_layer = SelectionLayer(config.select, config.extend_select, config.ignore)
    return resolve_selection([DEFAULT_LAYER, config_layer, cli_layer])


def _on_changed_lines(diagnostics: list[Diagnostic], changed: Optional[ChangedLines]) -> list[Diagnostic]:
    # Line numbers of the changed lines are the unfixed file's; fixes rarely add or remove lines.
    return diagnostics if changed is None else keep_changed(diagnostics, changed)


def _write_output(text: str, output_file: Optional[str]) -> None:
    output = _encodable(text)
    if output_file is None:
        click.echo(output, nl=False)
        return
    try:
        directory = os.path.dirname(output_file)
        if directory:
            os.makedirs(directory, exist_ok=True)
        with open(output_file, "w" if isinstance(output, str) else "wb",
                  encoding="utf-8" if isinstance(output, str) else None) as handle:
            handle.write(output)
    except OSError as error:
        _fail(f"cannot write {output_file}: {error.strerror or error}")


def _read_stdin() -> bytes:
    try:
        return read_stream_bounded(sys.stdin.buffer, MAX_SOURCE_BYTES)
    except TooLarge:
        # Not a finding like a large file: with --fix, stdout would have to echo it whole.
        _fail(f"cannot read stdin: it has more than {MAX_SOURCE_BYTES / 1e6:g} MB, nnlint's limit for one file")


def _encodable(text: str) -> Union[str, bytes]:
    """`text`, or its UTF-8 bytes when it holds a file name that is not UTF-8 (Linux allows
    any bytes; Python spells them as lone surrogates, which no text stream writes)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape")  # the name's own bytes
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def _changed_since(revision: str, from_stdin: bool) -> ChangedLines:
    if from_stdin:
        _fail("--diff-base compares files in the working tree with git; it cannot be used on stdin")
    try:
        return changed_lines(revision)
    except DiffBaseError as error:
        _fail(str(error))


def _add_noqa(diagnostics: list[Diagnostic], failed: bool, exit_zero: bool) -> NoReturn:
    result = write_noqa_directives(diagnostics)
    for skipped in result.skipped:
        finding = skipped.diagnostic
        click.echo(f"nnlint: no noqa added for {finding.path}:{finding.start.line}:{finding.start.column}: "
                   f"{finding.code}: {skipped.reason}", err=True)
    for message in result.errors:
        _error(message)
    click.echo(f"Added {result.added} noqa directive{'' if result.added == 1 else 's'}.", err=True)
    sys.exit(EXIT_ERROR if failed or result.errors else EXIT_FINDINGS if result.skipped and not exit_zero
             else EXIT_CLEAN)


@cli.command()
# Not click's readable check: an unreadable file is a finding (NNL002), not a usage error.
@click.argument("paths", nargs=-1, type=click.Path(readable=False))
@click.option("--select", multiple=True, metavar="CODES",
              help="Rules to run: codes, prefixes (NNL1) or ALL, comma-separated. Replaces the config's selection.")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Rules to run in addition to the selection.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Rules not to run.")
@click.option("--output-format", type=click.Choice(OUTPUT_FORMATS), default="text", show_default=True,
              envvar="NNLINT_OUTPUT_FORMAT", help="How findings are printed (env: NNLINT_OUTPUT_FORMAT).")
@click.option("-o", "--output-file", type=click.Path(dir_okay=False), help="Write the output to this file.")
@click.option("--statistics", is_flag=True, help="Print how often each code was found instead of the findings "
              "(JSON with --output-format json).")
@click.option("--exit-zero", is_flag=True, help="Exit with 0 even when there are findings.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
              help="Lowest severity that makes the exit status 1 (default: warning, i.e. any finding).")
@click.option("--severity", "severities", multiple=True, metavar="CODES=LEVEL",
              help="Change rules' severity, e.g. NNL107=error,NNL6=warning (like `severity` in the config).")
@click.option("--exclude", multiple=True, metavar="PATTERNS",
              help="Files and directories to skip, comma-separated; replaces the config's `exclude`.")
@click.option("--extend-exclude", multiple=True, metavar="PATTERNS",
              help="Files and directories to skip in addition to the excluded ones.")
@click.option("--per-file-ignores", multiple=True, metavar="GLOB:CODES",
              help="Rules not to run in matching files, e.g. 'tests/**:NNL1'; replaces the config's table.")
@click.option("--show-settings", is_flag=True, help="Print the settings the run would use, and exit.")
@click.option("--show-files", is_flag=True, help="Print the files the run would check, and exit.")
@click.option("--stdin-filename", metavar="NAME",
              help="Lint source read from stdin, reported (and configured) as this path.")
@click.option("--force-exclude/--no-force-exclude", default=None,
              help="Apply excludes to files named on the command line too (for pre-commit).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), metavar="PATH",
              help="Use this pyproject.toml instead of searching for one.")
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
@click.option("--no-cache", is_flag=True,
              help="Neither read nor write the cache (.nnlint_cache/ at the project root, or NNLINT_CACHE_DIR).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), metavar="N",
              help="Check files in N processes (default: the number of CPUs).")
@click.option("--fix", is_flag=True, help="Apply the safe fixes to the files (with stdin: print the fixed source).")
@click.option("--unsafe-fixes", is_flag=True,
              help="Also apply (with --fix) or show as fixable the fixes that may change behaviour.")
@click.option("--diff", is_flag=True, help="Print a diff of what --fix would change and write nothing; "
              "exit 1 when there is a change.")
@click.option("-q", "--quiet", is_flag=True,
              help="No summary line (nor \"All checks passed!\") and no warning when no files were found.")
@click.option("--diff-base", metavar="REV",
              help="Report only findings on lines changed since the git revision REV (working tree included).")
@click.option("--add-noqa", is_flag=True,
              help="Write a `# noqa: CODE` comment on the line of each finding (a baseline); change nothing else.")
@click.option("--dynamic", is_flag=True,
              help="Also build each model on synthetic data in a child process: confirm findings, add NNL9xx.")
@click.option("--report-dir", type=click.Path(file_okay=False), metavar="DIR",
              help="With --dynamic: draw each model's one-item-per-class fit and learning curve as PNGs in DIR, "
              "with an index.html (needs matplotlib; runs the learning curve too).")
def check(
    paths: tuple[str, ...],
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    output_format: str,
    output_file: Optional[str],
    statistics: bool,
    exit_zero: bool,
    fail_on: Optional[str],
    severities: tuple[str, ...],
    exclude: tuple[str, ...],
    extend_exclude: tuple[str, ...],
    per_file_ignores: tuple[str, ...],
    show_settings: bool,
    show_files: bool,
    stdin_filename: Optional[str],
    force_exclude: Optional[bool],
    config_file: Optional[str],
    isolated: bool,
    no_cache: bool,
    jobs: Optional[int],
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    quiet: bool,
    diff_base: Optional[str],
    add_noqa: bool,
    dynamic: bool,
    report_dir: Optional[str],
) -> None:
    """Lint PATHS (files or directories; default: the current directory).

    Exit status: 0 no findings (or none at or above --fail-on), 1 findings, 2 usage,
    configuration or internal error.
    """
    from_stdin = stdin_filename is not None or paths == (STDIN,)
    if add_noqa and (from_stdin or fix or diff):
        _fail("--add-noqa edits the files themselves; it cannot be combined with stdin, --fix or --diff")
    if from_stdin and paths not in ((), (STDIN,)):
        _fail("with --stdin-filename, give no PATHS (or only '-'): the source is read from stdin")
    if not from_stdin and STDIN in paths:
        _fail("'-' (read stdin) cannot be combined with other PATHS")
    targets = list(paths) or ["."]
    if report_dir is not None and not dynamic:
        _fail("--report-dir draws the dynamic mode's experiments: add --dynamic")
    if dynamic:
        from nnlint.dynamic import INSTALL_HINT, torch_available

        if not torch_available():
            _fail(INSTALL_HINT)
        if report_dir is not None:
            _check_report_dir(report_dir)
    try:
        config = load_config([stdin_filename] if stdin_filename else targets,
                             config_file=config_file, isolated=isolated)
    except ConfigError as error:
        _fail(str(error))
    if force_exclude is not None:
        config = dataclasses.replace(config, force_exclude=force_exclude)
    overrides = Overrides(exclude, extend_exclude, per_file_ignores, severities, fail_on)
    try:
        config = overrides.apply(config)
        per_file = overrides.per_file(config)
    except OverrideError as error:
        _fail(str(error))
    if dynamic:
        _check_model_keys(config)
    codes = _selected_codes(config, select, extend_select, ignore)
    if show_settings:
        _write_output(render_settings(settings_record(config, codes, per_file, output_format), output_format),
                      output_file)
        sys.exit(EXIT_CLEAN)
    changed = _changed_since(diff_base, from_stdin) if diff_base is not None else None

    failed = False
    if from_stdin:
        name = stdin_filename or STDIN
        data = _read_stdin()
        files: list[tuple[str, Optional[bytes]]] = []
        if not (stdin_filename and config.force_exclude and is_force_excluded(stdin_filename, config)):
            files.append((name, data))
    else:
        found = discover(targets, config)
        for missing in found.missing:
            _error(f"path not found: {missing}")
        for message in found.errors:
            _error(message)
        for message in found.warnings:
            click.echo(f"nnlint: warning: {message}", err=True)
        failed = bool(found.missing or found.errors)
        files = [(path, None) for path in found.files]
        if not files and not failed and not quiet and not show_files:
            # Exit 0 as ruff does: nothing to check is not a finding, but it is often a mistake.
            click.echo("nnlint: warning: No Python files found under the given paths", err=True)
    if show_files:
        _write_output(render_files([path for path, _ in files], output_format), output_file)
        sys.exit(EXIT_ERROR if failed else EXIT_CLEAN)

    root = find_project_root(Path(stdin_filename or targets[0]))
    cache = None
    if not no_cache:
        location = locate(*configured_directory(root))
        if location.refusal:
            click.echo(f"nnlint: warning: {location.refusal}", err=True)
        cache = Cache(location.directory) if location.directory is not None else None
    project = ProjectRun(root, lambda path: codes - per_file.ignored_codes(path), config.rule_options, cache,
                         jobs or default_jobs())
    run = project.check(files)
    for path, error in run.internal_errors:
        click.echo(f"nnlint: internal error while checking {path}: {error} (please report)", err=True)
    for path, error in run.rule_errors:
        click.echo(f"nnlint: error while checking {path}: {error}", err=True)
    failed = failed or bool(run.internal_errors or run.rule_errors)
    diagnostics = run.diagnostics

    if changed is not None:
        diagnostics = keep_changed(diagnostics, changed)
    if add_noqa:
        _add_noqa(diagnostics, failed, exit_zero)
    fixed_count: Optional[int] = None
    if fix or diff:
        fixing = fix_run(
            diagnostics,
            lambda path, content: _on_changed_lines(project.recheck(path, content), changed),
            unsafe_fixes,
            sources={name: data for name, data in files if data is not None},
        )
        for message in fixing.errors + fixing.notes():
            _error(message)
        failed = failed or bool(fixing.errors)
        if diff:
            click.echo(unified_diff(fixing), nl=False)
            click.echo(would_fix(fixing.fixed_count), err=True, nl=False)
            sys.exit(EXIT_ERROR if failed else EXIT_FINDINGS if fixing.changed and not exit_zero else EXIT_CLEAN)
        if from_stdin:
            # The fixed buffer goes back to whoever piped it in; the file of that name is not touched.
            sys.stdout.buffer.write(fixing.files[name].fixed if name in fixing.files else data)
            sys.stdout.flush()
        else:
            for message in write_fixes(fixing):
                _error(message)
                failed = True
        diagnostics, fixed_count = fixing.diagnostics, fixing.fixed_count

    if dynamic:
        from nnlint.dynamic.session import add_dynamic_results

        from nnlint.dynamic.report_folder import ReportFolderError

        try:
            diagnostics = add_dynamic_results(
                diagnostics, [path for path, _ in files], config.dynamic, config.root, config.rule_options,
                lambda path: codes - per_file.ignored_codes(path), from_stdin=from_stdin, report_dir=report_dir,
            )
        except ReportFolderError as error:
            _fail(str(error))

    diagnostics = apply_severities(diagnostics, config.severity)
    human = output_format in _HUMAN_FORMATS
    if statistics and output_format == "json":
        output = render_statistics_json(shown_fixes(diagnostics, unsafe_fixes))
    elif statistics:
        output = render_statistics(diagnostics)
    else:
        output = render(shown_fixes(diagnostics, unsafe_fixes) if human else diagnostics, output_format)
        if (diagnostics or fixed_count) and human and not quiet:
            output += fix_summary(diagnostics, unsafe_fixes, fixed_count)
        elif files and human and not quiet:
            output += "All checks passed!\n"
    if fix and from_stdin and output_file is None:
        # stdout carries the fixed source; the findings that remain go beside it.
        click.echo(output, err=True, nl=False)
    else:
        _write_output(output, output_file)

    if failed:
        sys.exit(EXIT_ERROR)
    # Findings below `fail-on` are reported but do not fail the run.
    sys.exit(EXIT_FINDINGS if failing(diagnostics, config.fail_on) and not exit_zero else EXIT_CLEAN)


def _check_report_dir(directory: str) -> None:
    """Before any model runs: matplotlib is there (click refused a path that is a file). The
    folder itself is made only when the pictures are written, so a failed run leaves nothing."""
    from nnlint.dynamic.report_folder import PLOT_HINT, plotting_available

    if not plotting_available():
        _fail(PLOT_HINT)


def _check_model_keys(config: Config) -> None:
    """A misspelled [tool.nnlint.dynamic.models] key would leave its model built without arguments."""
    from nnlint.dynamic.model_keys import model_key_errors

    errors = model_key_errors(config.dynamic, config.root, config.path)
    for message in errors:
        _error(message)
    if errors:
        sys.exit(EXIT_ERROR)


@cli.command("probe")
@click.argument("target", metavar="FILE:MODEL")
@click.option("--input", "inputs", multiple=True, metavar="SHAPE",
              help="Input shape, e.g. 4,3,32,32; repeat for each forward argument. Default: inferred.")
@click.option("--args", "args", metavar="JSON",
              help="Constructor arguments as a JSON list, e.g. '[784, 10]' (replaces the config's `args`).")
@click.option("--kwargs", "kwargs", metavar="JSON",
              help="Constructor keyword arguments as a JSON object, e.g. '{\"hidden\": 64}' (replaces `kwargs`).")
@click.option("--dtype", type=click.Choice(DTYPES), help="Input dtype (default float32).")
@click.option("--classes", type=click.IntRange(min=2), help="Number of classes (default: the output width of a classifier, also through a final activation).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), help="Seconds per step (default 60).")
@click.option("--plot", type=click.Path(dir_okay=False), metavar="PNG",
              help="Write the learning curve as an image (needs matplotlib).")
@click.option("--report-dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Draw the one-item-per-class fit and the learning curve as PNGs in DIR, with an index.html "
              "(needs matplotlib).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), metavar="PATH",
              help="Use this pyproject.toml instead of searching for one.")
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
def probe(target: str, inputs: tuple[str, ...], args: Optional[str], kwargs: Optional[str], dtype: Optional[str],
          classes: Optional[int], timeout: Optional[float], plot: Optional[str], report_dir: Optional[str],
          config_file: Optional[str], isolated: bool) -> None:
    """Run the seed's experiments on one model: build it on synthetic data, probe it, fit one
    item per class, print the learning curve. Needs torch (the `dynamic` extra)."""
    from nnlint.dynamic import INSTALL_HINT, torch_available

    if not torch_available():
        _fail(INSTALL_HINT)
    from nnlint.dynamic.probe_command import ProbeError, ShapeMismatchFound, run_probe

    try:
        config = load_config([target.rpartition(":")[0] or "."], config_file=config_file, isolated=isolated)
    except ConfigError as error:
        _fail(str(error))
    _check_model_keys(config)
    if report_dir is not None:
        _check_report_dir(report_dir)
    settings = config.dynamic if timeout is None else dataclasses.replace(config.dynamic, timeout=timeout)
    try:
        click.echo(run_probe(target, inputs, dtype, classes, settings, config.root, config.rule_options, plot,
                             args=args, kwargs=kwargs, report_dir=report_dir), nl=False)
    except ProbeError as error:
        _fail(str(error))
    except ShapeMismatchFound as found:
        click.echo(str(found), nl=False)
        sys.exit(1)


@cli.command("rules")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_rules(output_format: str) -> None:
    """List every rule: code, name and summary."""
    rules = all_rules()
    if output_format == "json":
        records = [
            {"code": rule.code, "name": rule.name, "summary": rule.summary, "severity": rule.severity,
             "url": rule.url(), "fix_availability": rule.fix_availability,
             "fix_applicability": rule.fix_applicability if rule.fix_availability != "none" else None}
            for rule in rules
        ]
        click.echo(json.dumps(records, indent=2))
        return
    code_width = max((len(rule.code) for rule in rules), default=4)
    name_width = max((len(rule.name) for rule in rules), default=4)
    # `[*]` marks rules whose findings `--fix` can fix, `[U]` those needing `--unsafe-fixes`.
    marks = {rule.code: "" if rule.fix_availability == "none" else "[*]" if rule.fix_applicability == "safe"
             else "[U]" for rule in rules}
    click.echo(f"{'code':<{code_width}}  {'name':<{name_width}}  fix  summary")
    for rule in rules:
        click.echo(f"{rule.code:<{code_width}}  {rule.name:<{name_width}}  {marks[rule.code]:<3}  {rule.summary}")


@cli.command("rule")
@click.argument("code")
def show_rule(code: str) -> None:
    """Print the documentation of rule CODE (Markdown)."""
    rule = rules_by_code().get(code.strip().upper())
    if rule is None:
        _fail(f"unknown rule code {code!r}; `nnlint rules` lists them")
    click.echo(rule.documentation(), nl=False)


@cli.command("server")
@click.option("--stdio", is_flag=True, help="Talk LSP over stdin/stdout (the default; accepted because clients pass it).")
def language_server(stdio: bool) -> None:
    """Run the Language Server for editors (LSP over stdio). Needs the `lsp` extra."""
    try:
        from nnlint.lsp.server import serve
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] not in ("pygls", "lsprotocol"):
            raise
        _fail("`nnlint server` needs pygls (nnlint's `lsp` extra): pip install 'pygls>=2,<3'")
    serve()


@cli.command("clean")
@click.argument("path", required=False, type=click.Path(file_okay=False))
def clean_cache(path: Optional[str]) -> None:
    """Remove the cache of the project at PATH (default: the current directory's project)."""
    configured, explicit = configured_directory(find_project_root(Path(path or ".")))
    try:
        cleaned = clean(configured, explicit)
    except (ValueError, OSError) as error:
        _fail(str(error))
    if cleaned.kept:
        # Only nnlint's own entries go; what someone else put there (or a link) stays.
        _fail(f"removed {cleaned.entries} cache entries but kept {len(cleaned.kept)} files nnlint did not write, "
              f"e.g. {cleaned.kept[0]}; the directory stays")
    if cleaned.removed is not None:
        click.echo(f"Removed {cleaned.removed}")
    elif cleaned.entries:  # what an older nnlint wrote into a directory it did not create
        click.echo(f"Removed {cleaned.entries} cache entries nnlint wrote into {configured}")
    else:
        click.echo(f"No cache at {locate(configured, explicit).directory or configured}")


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Console-script entry point (also `python -m nnlint`)."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="nnlint")
