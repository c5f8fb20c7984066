"""The report files CI services ingest besides SARIF: GitLab Code Quality JSON and JUnit XML.

Each output is parsed (json.loads, ElementTree) and read field by field, as GitLab or a CI
server would read it.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from dataclasses import replace
from pathlib import Path

import pytest

from nnlint.diagnostic import Diagnostic, Location, Position
from nnlint.report import render
from nnlint.rules import rules_by_code

LINE = "    probs = nn.Softmax()(logits)"


def finding(code: str = "NNL107", line: int = 12, path: str = "pkg/model.py", source_line: str = LINE,
            message: str = "nn.Softmax() without dim", **extra) -> Diagnostic:
    rule = rules_by_code()[code]
    return Diagnostic(code=code, name=rule.name, message=message, path=path, start=Position(line, 13),
                      end=Position(line + extra.pop("height", 0), 25), severity=rule.severity,
                      source_line=source_line, **extra)


@pytest.fixture(autouse=True)
def in_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- gitlab ------------------------------------------------------------------------------


def gitlab(diagnostics) -> list[dict]:
    return json.loads(render(diagnostics, "gitlab"))


def test_gitlab_issue_has_the_fields_the_merge_request_widget_reads():
    [issue] = gitlab([finding(height=2)])
    assert issue["description"] == "NNL107 nn.Softmax() without dim"
    assert issue["check_name"] == "NNL107"
    assert issue["severity"] == "major"
    assert issue["location"] == {"path": "pkg/model.py", "lines": {"begin": 12, "end": 14}}
    assert isinstance(issue["fingerprint"], str) and len(issue["fingerprint"]) == 64


def test_gitlab_severity_ranks_unparsable_files_above_warnings():
    issues = gitlab([finding(), finding(code="NNL001", message="syntax error"), finding(code="NNL002")])
    assert [issue["severity"] for issue in issues] == ["major", "critical", "critical"]


def test_gitlab_paths_are_relative_to_the_project_with_slashes(in_project):
    issues = gitlab([finding(path="./pkg/../pkg/model.py"), finding(path=str(in_project / "a" / "b.py"))])
    assert [issue["location"]["path"] for issue in issues] == ["pkg/model.py", "a/b.py"]


def test_gitlab_fingerprint_survives_lines_inserted_above():
    moved = finding(line=40, source_line="\t" + LINE.strip())
    assert gitlab([finding()])[0]["fingerprint"] == gitlab([moved])[0]["fingerprint"]


def test_gitlab_fingerprints_are_unique_even_for_identical_lines():
    # GitLab keeps only the first issue of a fingerprint: duplicates would hide findings.
    issues = gitlab([finding(line=12), finding(line=30), finding(line=12, message="other"),
                     finding(path="other.py")])
    prints = [issue["fingerprint"] for issue in issues]
    assert len(set(prints)) == 4


def test_gitlab_without_findings_is_an_empty_list():
    assert gitlab([]) == []


# --- junit -------------------------------------------------------------------------------

# The attributes the JUnit schema Jenkins validates against (junit-10.xsd / dtkit junit-4.xsd)
# allows on each element, and the ones it requires.
ALLOWED = {
    "testsuites": {"name", "time", "tests", "failures", "disabled", "errors"},
    "testsuite": {"name", "tests", "failures", "errors", "time", "disabled", "skipped", "timestamp",
                  "hostname", "id", "package"},
    "testcase": {"name", "assertions", "time", "classname", "status"},
    "failure": {"type", "message"},
}
REQUIRED = {"testsuite": {"name", "tests"}, "testcase": {"name"}}
CHILDREN = {
    "testsuites": {"testsuite"},
    "testsuite": {"properties", "testcase", "system-out", "system-err"},
    "testcase": {"skipped", "error", "failure", "system-out", "system-err"},
    "failure": set(),
}


def assert_schema_shape(element: ElementTree.Element) -> None:
    assert set(element.attrib) <= ALLOWED[element.tag], element.tag
    assert REQUIRED.get(element.tag, set()) <= set(element.attrib), element.tag
    for count in ("tests", "failures", "errors", "skipped"):
        if count in element.attrib:
            assert int(element.attrib[count]) >= 0
    if "time" in element.attrib:
        float(element.attrib["time"])
    for child in element:
        assert child.tag in CHILDREN[element.tag], (element.tag, child.tag)
        assert_schema_shape(child)


def junit(diagnostics) -> ElementTree.Element:
    text = render(diagnostics, "junit")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ElementTree.fromstring(text.encode("utf-8"))
    assert_schema_shape(root)
    return root


def test_junit_is_one_suite_with_a_failing_case_per_finding():
    root = junit([finding(), finding(path="b.py", line=3)])
    assert root.tag == "testsuites"
    [suite] = root
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "2", "0")
    assert (root.get("tests"), root.get("failures")) == ("2", "2")
    cases = suite.findall("testcase")
    assert [case.get("classname") for case in cases] == ["pkg/model.py", "b.py"]
    failure = cases[0].find("failure")
    assert failure.get("type") == "NNL107"
    assert failure.get("message") == "line 12, column 13: nn.Softmax() without dim"
    assert failure.text.splitlines()[0] == "pkg/model.py:12:13: NNL107 nn.Softmax() without dim"


def test_junit_case_name_holds_code_and_line_text_not_the_line_number():
    before = junit([finding(line=12)]).find("testsuite/testcase").get("name")
    after = junit([finding(line=50)]).find("testsuite/testcase").get("name")
    assert before == after == "NNL107 (softmax-without-dim): probs = nn.Softmax()(logits)"


def test_junit_case_names_are_unique_within_a_file():
    names = [case.get("name") for case in junit([finding(line=1), finding(line=9)]).iter("testcase")]
    assert len(set(names)) == 2


def test_junit_clean_run_is_one_passing_case():
    root = junit([])
    cases = list(root.iter("testcase"))
    assert len(cases) == 1 and cases[0].find("failure") is None
    assert (root.find("testsuite").get("tests"), root.find("testsuite").get("failures")) == ("1", "0")


def test_junit_escapes_markup_and_drops_characters_xml_cannot_hold():
    nasty = 'a < b && c > "d" \x0c\x1b end'
    root = junit([finding(message=nasty, source_line="x = '<&>'\x00")])
    failure = root.find("testsuite/testcase/failure")
    assert failure.get("message") == 'line 12, column 13: a < b && c > "d" \\x0c\\x1b end'
    assert root.find("testsuite/testcase").get("name").endswith("x = '<&>'\\x00")


def test_junit_failure_lists_related_locations():
    related = (Location("pkg/train.py", Position(40, 5), Position(40, 20), "the loss"),)
    failure = junit([finding(related=related)]).find("testsuite/testcase/failure")
    assert failure.text.splitlines()[1] == "  pkg/train.py:40:5: the loss"


def test_cli_writes_both_formats_for_a_real_finding(in_project):
    from click.testing import CliRunner

    from nnlint.cli import cli

    (in_project / "pyproject.toml").write_text("[tool.nnlint]\n")
    (in_project / "m.py").write_text("import torch.nn as nn\nlayer = nn.Softmax()\n")
    for output_format in ("gitlab", "junit"):
        result = CliRunner().invoke(cli, ["check", "--output-format", output_format, "-o", f"out.{output_format}"])
        assert result.exit_code == 1
    [issue] = json.loads((in_project / "out.gitlab").read_text())
    assert issue["location"] == {"path": "m.py", "lines": {"begin": 2, "end": 2}}
    case = ElementTree.parse(in_project / "out.junit").getroot().find("testsuite/testcase")
    assert case.get("classname") == "m.py" and case.find("failure").get("type") == "NNL107"
