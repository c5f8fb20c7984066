"""JUnit XML, the test report every CI system reads (GitLab, Jenkins, Azure Pipelines,
CircleCI, GitHub test-report actions).

One `<testsuite>` for the run and one `<testcase>` per finding, each with a `<failure>`.
Per finding rather than per file because a formatter sees the findings, not the list of
files checked, so a per-file report could not show the clean files as passed anyway; and a
CI page then lists every finding on its own line with its message, with as many failures as
nnlint reports findings. The test name holds the code and the text of the line, not the line
number, so CI services that compare test names between pipelines ("newly failed", "fixed")
do not see a finding as new when lines above it move. A clean run is one passing test case,
since some CI systems reject a report without any.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path
from typing import Optional, Sequence

from nnlint.diagnostic import Diagnostic
from nnlint.report.paths import project_path
from nnlint.report.places import label, shown_span

_NAME_SOURCE_LIMIT = 80
# XML 1.0 cannot hold these characters even escaped; surrogates cannot be written as UTF-8.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub(lambda match: ascii(match.group())[1:-1], text)


def _test_name(diagnostic: Diagnostic) -> str:
    source = " ".join(diagnostic.source_line.split())
    if len(source) > _NAME_SOURCE_LIMIT:
        source = source[: _NAME_SOURCE_LIMIT - 1] + "…"
    name = f"{diagnostic.code} ({diagnostic.name})"
    return f"{name}: {source}" if source else name


def _failure_text(diagnostic: Diagnostic, path: str, cwd: Path) -> str:
    where = label(diagnostic, path)
    lines = [f"{where}: {diagnostic.code} {diagnostic.message}"]
    for related in diagnostic.related:
        at = label(related, project_path(related.path, cwd))
        lines.append(f"  {at}: {related.message}" if related.message else f"  {at}")
    return "\n".join(lines)


def _where(diagnostic: Diagnostic) -> str:
    start = shown_span(diagnostic)[0]
    cell = f"cell {diagnostic.cell.cell}, " if diagnostic.cell is not None else ""
    return f"{cell}line {start.line}, column {start.column}"


def junit_tree(diagnostics: Sequence[Diagnostic], cwd: Optional[Path] = None) -> ElementTree.Element:
    cwd = Path(os.path.abspath(cwd if cwd is not None else os.getcwd()))
    count = str(len(diagnostics))
    totals = {"tests": str(max(len(diagnostics), 1)), "failures": count, "errors": "0", "time": "0"}
    root = ElementTree.Element("testsuites", {"name": "nnlint", **totals})
    suite = ElementTree.SubElement(root, "testsuite", {"name": "nnlint", **totals, "skipped": "0"})
    if not diagnostics:
        ElementTree.SubElement(suite, "testcase", {"classname": "nnlint", "name": "no findings", "time": "0"})
    seen: Counter[tuple[str, str]] = Counter()
    for diagnostic in diagnostics:
        path = project_path(diagnostic.path, cwd)
        name = _test_name(diagnostic)
        seen[(path, name)] += 1
        if seen[(path, name)] > 1:
            name = f"{name} [{seen[(path, name)]}]"
        # The file path as class name: CI pages group by it, and annotation actions find the file.
        case = ElementTree.SubElement(suite, "testcase",
                                      {"classname": _xml_text(path), "name": _xml_text(name), "time": "0"})
        failure = ElementTree.SubElement(case, "failure", {
            "type": diagnostic.code,
            "message": _xml_text(f"{_where(diagnostic)}: {diagnostic.message}"),
        })
        failure.text = _xml_text(_failure_text(diagnostic, path, cwd))
    return root


def render_junit(diagnostics: Sequence[Diagnostic]) -> str:
    root = junit_tree(diagnostics)
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"
