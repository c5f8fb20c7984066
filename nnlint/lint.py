"""One file through the pipeline: parse, analyze, run the selected rules, suppress."""

from __future__ import annotations

import dataclasses
import functools
import gc
import os
import re
import warnings
from typing import AbstractSet, Any, Callable, Mapping, Optional, Sequence, Union

import libcst as cst

from nnlint.analysis import analyze
from nnlint.analysis.program.exports import Joined, ModuleExports, Returned
from nnlint.analysis.facts import VALUES, ExternalSite, Origin
from nnlint.analysis.training.facts import STEP
from nnlint.analysis.program.syntax import WalkIndex, forget_walks, index_walks
from nnlint.diagnostic import Diagnostic, Fix, Location, Position
from nnlint.fix.edits import EditBuilder
from nnlint.fix.proposal import SyntaxFix
from nnlint.notebook import file_limit, is_notebook, parse_notebook
from nnlint.parse import (MAX_SOURCE_BYTES, TOO_DEEP_TO_ANALYSE, ParseFailure, ParsedFile, decode_source,
                          first_failure_line, parse_source, source_lines, too_large)
from nnlint.parse_snippets import SnippetLayout
from nnlint.positions import NodePositions, StatementOffsets, line_column, line_starts, unique_text_range
from nnlint.reading import TooLarge, Unreadable, read_bounded
from nnlint.rules import all_rules, rules_by_code
from nnlint.rules.base import Rule
from nnlint.rules.plugins import plugin_origin
from nnlint.suppress import UNUSED_SUPPRESSION, apply_suppressions, drop_suppressed

# Files that never mention torch cannot hold a PyTorch bug that a per-file rule sees;
# skipping them before parsing is the cheapest speed-up there is (TorchFix does the same).
# A snippet pasted without its imports says `nn.`, `F.` or `optim.` instead, or is only a
# training loop (`loss.backward()`, `optimizer.zero_grad()`), or an evaluation helper that
# switches a module to eval mode (`model.eval()`, no arguments: nn.Module's): those are kept.
_TORCH_MARKER = b"torch"
_CONVENTIONAL_ALIAS_USE = re.compile(rb"(?<![\w.])(?:nn|F|optim)\.[A-Za-z_]|\.(?:backward|zero_grad)\(|\.eval\(\)")


def mentions_torch(code: Union[bytes, str]) -> bool:
    """Whether the code could use torch: names it, or uses its conventional aliases."""
    if isinstance(code, str):
        code = code.encode("utf-8", "surrogatepass")
    return _TORCH_MARKER in code or _CONVENTIONAL_ALIAS_USE.search(code) is not None


def _line_label(line: int) -> str:
    """How a message names a line of the same file (a notebook says which cell)."""
    return f"line {line}"


class SpanFinder:
    """Positions for reported nodes only: computed once per file, and only for files that
    have something to report."""

    def __init__(self, module: cst.Module, text: Optional[str] = None,
                 layout: Optional[SnippetLayout] = None, index: Optional[WalkIndex] = None) -> None:
        """`text` is the source the module was parsed from (generated again when not given);
        `layout` maps a snippet's generated positions back to the file's; `index` is the
        analysis's index of the module's nodes, if it made one."""
        self._module, self._text, self._layout = module, text, layout
        self._index = index
        self._positions: Optional[NodePositions] = None
        self._line_starts: Optional[list[int]] = None
        # Offsets of the nodes of the statements generated on their own so far.
        self._statement_offsets: dict[cst.CSTNode, tuple[int, int]] = {}

    def _position_by_search(self, node: cst.CSTNode) -> Optional[tuple[tuple[int, int], tuple[int, int]]]:
        # The nodes placed for other files' findings are calls and operations: found by a
        # search for their text, they spare the whole module's code generation; else the
        # statement around them is generated (positions.StatementOffsets).
        if self._text is None or self._positions is not None:
            return None
        found = unique_text_range(self._module, node, self._text)
        if found is None:
            found = self._statement_offsets.get(node)
        if found is None:
            if self._index is None:
                self._index = WalkIndex(self._module)
            chain = self._index.tree().ancestors(node)
            offsets = StatementOffsets(self._module, chain, self._text).ranges if chain is not None else None
            if offsets is None:
                return None
            self._statement_offsets.update(offsets)
            found = offsets.get(node)
            if found is None:
                return None
        if self._line_starts is None:
            self._line_starts = line_starts(self._text)
        return line_column(self._line_starts, found[0]), line_column(self._line_starts, found[1])

    def span(self, node: cst.CSTNode) -> tuple[Position, Position]:
        found = self._position_by_search(node)
        if found is None:
            if self._positions is None:
                text = self._module.code if self._text is None else self._text
                self._positions = NodePositions(self._module, text)
            found = self._positions.get(node)
        if found is None:
            return Position(1, 1), Position(1, 1)
        (start_line, start_column), (end_line, end_column) = found
        if self._layout is not None:
            start_line, start_column = self._layout.to_file(start_line, start_column)
            end_line, end_column = self._layout.to_file(end_line, end_column)
        return Position(start_line, start_column + 1), Position(end_line, end_column + 1)


def _failure_diagnostic(failure: ParseFailure, path: str, text: Optional[str]) -> Diagnostic:
    rule = rules_by_code()[failure.code]
    position = Position(failure.line, failure.column)
    return Diagnostic(
        code=failure.code,
        name=rule.name,
        message=failure.message,
        path=path,
        start=position,
        end=position,
        severity=rule.severity,
        source_line=first_failure_line(failure, text),
    )


def _drop_superseded(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    by_code = rules_by_code()
    superseded: set[tuple[str, Position, Position]] = set()
    for diagnostic in diagnostics:
        rule = by_code.get(diagnostic.code)
        for code in rule.supersedes if rule else ():
            superseded.add((code, diagnostic.start, diagnostic.end))
    return [d for d in diagnostics if (d.code, d.start, d.end) not in superseded]


RuleOptions = Mapping[str, Mapping[str, Any]]
# Finds where an operation of another project file is, for a cross-file finding.
Locator = Callable[[Origin], Optional[Location]]


@dataclasses.dataclass
class FileResult:
    """What checking one file yields: its findings, and for the project join what it offers
    other files (`exports`) and which imported models reach its losses (`imported_models`)."""

    diagnostics: list[Diagnostic]
    exports: Optional[ModuleExports] = None
    imported_models: tuple[str, ...] = ()
    # What the imported models can change: findings at losses (NNL1xx), at evaluation paths
    # that need `.eval()` (NNL502).
    has_losses: bool = False
    evaluates: bool = False
    # It steps an optimizer or a scheduler and imports names from project files: another
    # file's factory may have built them (the training facts read what the join resolves).
    trains_with_imports: bool = False
    # It applies an imported function to a model (`model.apply(init_weights)`): another
    # file's init function, which the initialization facts read from the join.
    applies_imports: bool = False
    # Plugin rules that raised on this file (their messages): the run reports them beside the
    # other rules' findings, and a result with any is not cached.
    rule_errors: tuple[str, ...] = ()


def _without_syntax_warnings(check: Callable[..., FileResult]) -> Callable[..., FileResult]:
    """CPython warns about odd literals (`"\\d"`, `1()`) when nnlint evaluates or compiles the
    user's code; those warnings would land on nnlint's stderr, so they are dropped."""
    @functools.wraps(check)
    def quiet(*args: Any, **kwargs: Any) -> FileResult:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            return check(*args, **kwargs)
    return quiet


@_without_syntax_warnings
def check_source(data: bytes, path: str, selected: AbstractSet[str], options: Optional[RuleOptions] = None,
                 externals: Optional[Mapping[str, Returned]] = None,
                 locate: Optional[Locator] = None,
                 external_modes: Optional[Mapping[str, bool]] = None,
                 test_code: Optional[bool] = None, joined: Optional[Joined] = None) -> FileResult:
    """Every finding of the `selected` codes in one file's bytes, sorted, noqa applied.

    `path` is only used to label the findings; nothing is read from disk here. `options`
    maps a rule code to its validated `[tool.nnlint.rules.CODE]` settings. `externals` are
    the resolved models of other project files that this file imports (see
    `nnlint.project`), `locate` finds their operations for cross-file findings, and
    `external_modes` says which imported model classes have dropout or batch-norm.
    `test_code` says the file is test code (see `nnlint.analysis.analyze`); `joined` holds the
    rest of what the project join found (loss wrappers, training pipelines of other files).
    """
    if is_notebook(path):
        notebook = parse_notebook(data)
        if isinstance(notebook, ParseFailure):
            return FileResult([d for d in [_failure_diagnostic(notebook, path, None)] if d.code in selected])
        # The joined code, not the file: outputs and markdown mention torch too, and a cell
        # using torch need not import it.
        if not mentions_torch(notebook.code):
            return FileResult([])
        result = _check_text(notebook.code, path, selected, options, externals, locate, external_modes,
                             notebook.line_label, test_code, joined)
        return dataclasses.replace(result, diagnostics=[notebook.place(d) for d in result.diagnostics])
    if not mentions_torch(data):
        return FileResult([])
    decoded = decode_source(data)
    if isinstance(decoded, ParseFailure):
        found = [_failure_diagnostic(decoded, path, None)]
        return FileResult([d for d in found if d.code in selected])
    return _check_text(decoded, path, selected, options, externals, locate, external_modes,
                       test_code=test_code, joined=joined)


def _without_cycle_collection(check: Callable[..., FileResult]) -> Callable[..., FileResult]:
    """The cycle collector paused while one file is checked. A syntax tree is millions of
    objects without cycles, and each full collection walked all of them: a fifth of the time
    of a 0.8 MB file, growing faster than the file. The analysis leaves no cycles (see
    program.values.release, program.literals, tests/test_reference_cycles.py): the file's
    tree is freed by reference counting when it is done, and the next collection, with the
    collector running again, has none of it to walk."""
    @functools.wraps(check)
    def paused(*args: Any, **kwargs: Any) -> FileResult:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return check(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()
    return paused


@_without_cycle_collection
def _check_text(decoded: str, path: str, selected: AbstractSet[str], options: Optional[RuleOptions],
                externals: Optional[Mapping[str, Returned]], locate: Optional[Locator],
                external_modes: Optional[Mapping[str, bool]], line_label: Callable[[int], str] = _line_label,
                test_code: Optional[bool] = None, joined: Optional[Joined] = None) -> FileResult:
    # A notebook's code (a file's bytes were screened by decode_source).
    refused = None
    if len(decoded) > MAX_SOURCE_BYTES:
        refused = (f"not analysed: the code has {len(decoded) / 1e6:.1f} MB, more than nnlint's limit of "
                   f"{MAX_SOURCE_BYTES / 1e6:g} MB")
    elif "\x00" in decoded:
        refused = "the code contains NUL characters"
    if refused is not None:
        found = [_failure_diagnostic(ParseFailure("NNL002", refused), path, None)]
        return FileResult([d for d in found if d.code in selected])
    parsed = parse_source(decoded)
    lines = source_lines(decoded)
    if isinstance(parsed, ParseFailure):
        found = [_failure_diagnostic(parsed, path, decoded)]
        return FileResult(drop_suppressed([d for d in found if d.code in selected], lines))
    # A file recovered from syntax errors: NNL001 for each failing block, rules on the rest.
    failed = [d for d in (_failure_diagnostic(f, path, decoded) for f in parsed.failures) if d.code in selected]
    rules = [rule for rule in all_rules() if rule.code in selected]
    if not rules:
        return FileResult(drop_suppressed(failed, lines))
    if not failed and all(rule.code == UNUSED_SUPPRESSION for rule in rules):
        return FileResult(apply_suppressions([], lines, path, selected, frozenset()))
    try:
        needs = fact_needs(rules)
        index = None
        if needs is None or needs - {VALUES}:
            # The fact builders walk the tree several times over (the interpreter alone about
            # half a walk): from an index of it, which costs about one walk and a half to build.
            index = index_walks(parsed.module)
        facts = analyze(parsed.module, path, externals, external_modes, test_code,
                        needs=needs, joined=joined)
        # A partly parsed file's module is not its text (failing blocks are blank lines there).
        spans = SpanFinder(parsed.module, None if parsed.failures else parsed.text, parsed.layout, index)
        if facts.exports is not None:
            # Positions of what other files may report, kept in the summary: a finding in an
            # importer never parses this file again to place them.
            facts.exports.place(spans.span)
        rule_errors: list[str] = []
        found = _run_rules(facts, parsed, spans, path, lines, rules, options or {}, locate, line_label, rule_errors)
    except RecursionError:  # code deeper than the parse stage's screening let through
        too_deep = _failure_diagnostic(ParseFailure("NNL001", TOO_DEEP_TO_ANALYSE), path, decoded)
        return FileResult(drop_suppressed([*failed, too_deep] if too_deep.code in selected else failed, lines))
    finally:
        forget_walks()  # what a fact computed lazily by a rule remembered
    found = sorted(failed + found, key=Diagnostic.sort_key) if failed else found
    # Unused suppressions are judged only where every selected static rule saw the code.
    checked = None if failed else _static_codes(selected)
    return FileResult(apply_suppressions(found, lines, path, selected, checked), facts.exports,
                      tuple(sorted(facts.imported_models)), has_losses=bool(facts.loss_calls),
                      # Only the path facts read the imported models' modes: without them no
                      # joined check can change a finding.
                      evaluates=facts.computed("paths") and facts.paths is not None and facts.paths.runs_evaluation(),
                      trains_with_imports=_steps_with_imports(facts),
                      applies_imports=facts.computed("initialization") and facts.initialization is not None
                      and facts.initialization.applies_imported,
                      rule_errors=tuple(rule_errors))


def _steps_with_imports(facts) -> bool:
    """Only the training facts read other files' optimizer and scheduler factories, and only
    a file that steps something and imports from the project can use one."""
    if not (facts.computed("training") and facts.training is not None and facts.exports is not None
            and facts.exports.imports):
        return False
    return any(event.kind == STEP for scope in facts.training.scopes for event in scope.events)


def fact_needs(rules: Sequence[type[Rule]]) -> Optional[frozenset[str]]:
    """The fact families the rules read; None (every family) when one declares nothing."""
    needs: set[str] = set()
    for rule in rules:
        if rule.reads is None:
            return None
        needs.update(rule.reads)
    return frozenset(needs)


def _static_codes(selected: AbstractSet[str]) -> frozenset[str]:
    by_code = rules_by_code()
    return frozenset(code for code in selected if code in by_code and not by_code[code].dynamic_only)


def lint_source(data: bytes, path: str, selected: AbstractSet[str],
                options: Optional[RuleOptions] = None) -> list[Diagnostic]:
    """The findings of one file on its own (no project join): see `check_source`."""
    return check_source(data, path, selected, options).diagnostics


class _Reporter:
    """The FindingSink handed to one rule: turns reported nodes into Diagnostics."""

    def __init__(self, rule: type[Rule], path: str, lines: list[str], spans: SpanFinder,
                 found: list[Diagnostic], edits: EditBuilder, locate: Optional[Locator],
                 line_label: Callable[[int], str]) -> None:
        self._rule, self._path, self._lines, self._spans, self._found = rule, path, lines, spans, found
        self._line_label = line_label
        self._edits = edits
        self._locate = locate

    def where(self, node: Union[cst.CSTNode, ExternalSite]) -> str:
        if isinstance(node, ExternalSite):
            found = self._external(node)
            return f"{found.path}:{found.start.line}" if found else f"{node.origin.model} in {node.origin.path}"
        return self._line_label(self._spans.span(node)[0].line)

    def _external(self, site: ExternalSite) -> Optional[Location]:
        return self._locate(site.origin) if self._locate else None

    def _location(self, node: Union[cst.CSTNode, ExternalSite], text: str) -> Location:
        if isinstance(node, ExternalSite):
            found = self._external(node)
            if found is not None:
                return dataclasses.replace(found, message=text)
            node = node.anchor
        return Location(self._path, *self._spans.span(node), message=text)

    def __call__(
        self,
        node: Union[cst.CSTNode, ExternalSite],
        message: str,
        *,
        related: Sequence[tuple[Union[cst.CSTNode, ExternalSite], str]] = (),
        fix: Optional[Union[Fix, SyntaxFix]] = None,
    ) -> None:
        notes = [self._location(other, text) for other, text in related]
        if isinstance(node, ExternalSite):
            # The operation is in another file: the finding belongs to the call that brings
            # its output here, and names the other place (users see both; fixes do not
            # edit a file the finding is not in).
            origin = self._external(node)
            name = node.origin.model
            message += f" ({name}'s output, produced at {origin.path}:{origin.start.line})" if origin \
                else f" ({name}'s output, from {node.origin.path})"
            if origin is not None:
                notes.insert(0, dataclasses.replace(origin, message=f"{name} produces the value here"))
            node, fix = node.anchor, None
        start, end = self._spans.span(node)
        if isinstance(fix, SyntaxFix):
            fix = self._edits.fix(fix)
        lines = self._lines
        self._found.append(
            Diagnostic(
                code=self._rule.code,
                name=self._rule.name,
                message=message,
                path=self._path,
                start=start,
                end=end,
                severity=self._rule.severity,
                source_line=lines[start.line - 1] if 0 < start.line <= len(lines) else "",
                fix=fix,
                related=tuple(notes),
            )
        )


def _run_rules(facts, parsed: ParsedFile, spans: SpanFinder, path: str, lines: list[str],
               rules: Sequence[type[Rule]], options: RuleOptions, locate: Optional[Locator],
               line_label: Callable[[int], str], rule_errors: list[str]) -> list[Diagnostic]:
    # No fixes in a file that does not parse as a whole, nor in a snippet read as another
    # text: the result could not be checked.
    edits = EditBuilder(parsed.module, spans.span, parsed.text, enabled=parsed.complete and parsed.layout is None)
    found: list[Diagnostic] = []
    for rule_class in rules:
        if facts.test_code and not getattr(rule_class, "checks_test_code", True):
            continue
        reporter = _Reporter(rule_class, path, lines, spans, found, edits, locate, line_label)
        origin = plugin_origin(rule_class)
        if origin is None:
            rule_class(options.get(rule_class.code)).check(facts, reporter)
            continue
        try:
            rule_class(options.get(rule_class.code)).check(facts, reporter)
        except Exception as error:  # noqa: BLE001 - a plugin's bug costs its own findings only
            rule_errors.append(f"rule {rule_class.code} of plugin {origin} failed: {type(error).__name__}: {error}")
    return sorted(_drop_superseded(_merge_same_span(found)), key=Diagnostic.sort_key)


def _merge_same_span(found: list[Diagnostic]) -> list[Diagnostic]:
    """One finding per code and span: a softmax feeding three loss calls is one mistake,
    reported once with every loss as a related location."""
    merged: dict[tuple[str, Position, Position], Diagnostic] = {}
    for diagnostic in found:
        key = (diagnostic.code, diagnostic.start, diagnostic.end)
        first = merged.get(key)
        if first is None:
            merged[key] = diagnostic
        else:
            related = first.related + tuple(r for r in diagnostic.related if r not in first.related)
            merged[key] = dataclasses.replace(first, related=related)
    return list(merged.values())


def read_file(path: str) -> Union[bytes, ParseFailure]:
    """A file's bytes, or why it cannot be read (reported as NNL002, not a crash): never
    more than nnlint's size limit, and never from a FIFO, a device or /proc."""
    try:
        return read_bounded(path, file_limit(path))
    except TooLarge as error:
        return too_large(error.size, file_limit(path))
    except Unreadable as error:
        return ParseFailure("NNL002", f"cannot read: {error.reason}")


def unreadable_result(failure: ParseFailure, path: str, selected: AbstractSet[str]) -> FileResult:
    if failure.code not in selected:
        return FileResult([])
    return FileResult([_failure_diagnostic(failure, os.fspath(path), None)])


def lint_file(path: str, selected: AbstractSet[str], options: Optional[RuleOptions] = None) -> list[Diagnostic]:
    """Read and lint one file on its own (no project join)."""
    data = read_file(path)
    if isinstance(data, ParseFailure):
        return unreadable_result(data, path, selected).diagnostics
    return lint_source(data, path, selected, options)
