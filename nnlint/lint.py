"""One file through the pipeline: parse, analyze, run the selected rules, suppress."""

from __future__ import annotations

import dataclasses
import os
from typing import AbstractSet, Any, Mapping, Optional, Sequence, Union

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from nnlint.analysis import analyze
from nnlint.diagnostic import Diagnostic, Fix, Location, Position
from nnlint.fix.edits import EditBuilder
from nnlint.fix.proposal import SyntaxFix
from nnlint.parse import ParseFailure, ParsedFile, decode_source, first_failure_line, parse_source
from nnlint.rules import all_rules, rules_by_code
from nnlint.rules.base import Rule
from nnlint.suppress import drop_suppressed

# Files that never mention torch cannot hold a PyTorch bug that a per-file rule sees;
# skipping them before parsing is the cheapest speed-up there is (TorchFix does the same).
_TORCH_MARKER = b"torch"


class _SpanFinder:
    """Positions for reported nodes only: the position pass costs about twice the parse,
    so it runs once per file and only for files that have something to report."""

    def __init__(self, module: cst.Module) -> None:
        self._module = module
        self._positions: Optional[dict] = None

    def span(self, node: cst.CSTNode) -> tuple[Position, Position]:
        if self._positions is None:
            wrapper = MetadataWrapper(self._module, unsafe_skip_copy=True)
            self._positions = dict(wrapper.resolve(PositionProvider))
        code_range: Optional[CodeRange] = self._positions.get(node)
        if code_range is None:
            return Position(1, 1), Position(1, 1)
        return (
            Position(code_range.start.line, code_range.start.column + 1),
            Position(code_range.end.line, code_range.end.column + 1),
        )


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


def lint_source(data: bytes, path: str, selected: AbstractSet[str],
                options: Optional[RuleOptions] = None) -> list[Diagnostic]:
    """Every finding of the `selected` codes in one file's bytes, sorted, noqa applied.

    `path` is only used to label the findings; nothing is read from disk here. `options`
    maps a rule code to its validated `[tool.nnlint.rules.CODE]` settings.
    """
    if _TORCH_MARKER not in data:
        return []
    decoded = decode_source(data)
    if isinstance(decoded, ParseFailure):
        found = [_failure_diagnostic(decoded, path, None)]
        return [d for d in found if d.code in selected]
    parsed = parse_source(decoded)
    lines = decoded.splitlines()
    if isinstance(parsed, ParseFailure):
        found = [_failure_diagnostic(parsed, path, decoded)]
        return drop_suppressed([d for d in found if d.code in selected], lines)
    rules = [rule for rule in all_rules() if rule.code in selected]
    if not rules:
        return []
    return drop_suppressed(_run_rules(parsed, path, lines, rules, options or {}), lines)


class _Reporter:
    """The FindingSink handed to one rule: turns reported nodes into Diagnostics."""

    def __init__(self, rule: type[Rule], path: str, lines: list[str], spans: _SpanFinder,
                 found: list[Diagnostic], edits: EditBuilder) -> None:
        self._rule, self._path, self._lines, self._spans, self._found = rule, path, lines, spans, found
        self._edits = edits

    def where(self, node: cst.CSTNode) -> str:
        return f"line {self._spans.span(node)[0].line}"

    def __call__(
        self,
        node: cst.CSTNode,
        message: str,
        *,
        related: Sequence[tuple[cst.CSTNode, str]] = (),
        fix: Optional[Union[Fix, SyntaxFix]] = None,
    ) -> None:
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
                related=tuple(
                    Location(self._path, *self._spans.span(other), message=text) for other, text in related
                ),
            )
        )


def _run_rules(parsed: ParsedFile, path: str, lines: list[str], rules: Sequence[type[Rule]],
               options: RuleOptions) -> list[Diagnostic]:
    facts = analyze(parsed.module, path)
    spans = _SpanFinder(parsed.module)
    edits = EditBuilder(parsed.module, spans.span)
    found: list[Diagnostic] = []
    for rule_class in rules:
        reporter = _Reporter(rule_class, path, lines, spans, found, edits)
        rule_class(options.get(rule_class.code)).check(facts, reporter)
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


def lint_file(path: str, selected: AbstractSet[str], options: Optional[RuleOptions] = None) -> list[Diagnostic]:
    """Read and lint one file; a file that cannot be read is a finding (NNL002), not a crash."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except IsADirectoryError:
        failure = ParseFailure("NNL002", "cannot read: it is a directory")
    except OSError as error:
        failure = ParseFailure("NNL002", f"cannot read: {error.strerror or error}")
    else:
        return lint_source(data, path, selected, options)
    if failure.code not in selected:
        return []
    return [_failure_diagnostic(failure, os.fspath(path), None)]
