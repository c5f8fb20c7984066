"""The report stage as users meet it: the lines editors parse, what a person reads in a
terminal, and the files CI services ingest (ruff-style JSON, SARIF, GitHub annotations)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Optional

import pytest

import nnlint
from nnlint.diagnostic import Diagnostic, Edit, Fix, Location, Position
from nnlint.report import OUTPUT_FORMATS, render, render_statistics
from nnlint.rules import all_rules, rules_by_code

SYNTAX = rules_by_code()["NNL001"]
UNREADABLE = rules_by_code()["NNL002"]

SOFTMAX_LINE = "    loss = criterion(F.softmax(logits, dim=1), target)"
SPAN_TEXT = "F.softmax(logits, dim=1)"
SPAN_START = SOFTMAX_LINE.index(SPAN_TEXT) + 1  # 1-based, as Diagnostic counts
SPAN_END = SPAN_START + len(SPAN_TEXT)  # exclusive, as libcst and SARIF count


def finding(
    *,
    code: str = "NNL001",
    message: str = "softmax output fed to CrossEntropyLoss",
    path: str = "train.py",
    line: int = 12,
    start: int = SPAN_START,
    end_line: Optional[int] = None,
    end: int = SPAN_END,
    source_line: str = SOFTMAX_LINE,
    **extra,
) -> Diagnostic:
    rule = rules_by_code()[code]
    return Diagnostic(
        code=code,
        name=rule.name,
        message=message,
        path=path,
        start=Position(line, start),
        end=Position(end_line if end_line is not None else line, end),
        severity=rule.severity,
        source_line=source_line,
        **extra,
    )


def test_every_format_is_rendered():
    assert OUTPUT_FORMATS == ("text", "full", "json", "sarif", "github", "gitlab", "junit")
    for output_format in OUTPUT_FORMATS:
        assert render([finding()], output_format)


def test_unknown_format_names_the_valid_ones():
    with pytest.raises(ValueError, match="sarif"):
        render([finding()], "xml")


# --- text -----------------------------------------------------------------------------


def test_text_is_one_problem_matcher_line_per_finding():
    output = render([finding(), finding(code="NNL002", line=3, start=1, message="cannot read")], "text")
    assert output == (
        f"train.py:12:{SPAN_START}: NNL001 softmax output fed to CrossEntropyLoss\n"
        "train.py:3:1: NNL002 cannot read\n"
    )


def test_text_keeps_a_multiline_message_on_its_line():
    output = render([finding(message="first\nsecond")], "text")
    assert output == f"train.py:12:{SPAN_START}: NNL001 first second\n"


def test_text_keeps_the_order_it_was_given():
    later, earlier = finding(line=30), finding(line=2)
    lines = render([later, earlier], "text").splitlines()
    assert [line.split(":")[1] for line in lines] == ["30", "2"]


# --- full -----------------------------------------------------------------------------


def test_full_shows_the_source_line_with_carets_under_the_span():
    lines = render([finding()], "full").splitlines()
    assert lines[0] == f"train.py:12:{SPAN_START}: NNL001 softmax output fed to CrossEntropyLoss"
    source, carets = lines[1], lines[2]
    assert source.strip() == SOFTMAX_LINE.strip()
    underlined = source[carets.index("^") : len(carets)]
    assert underlined == SPAN_TEXT
    assert set(carets.strip()) == {"^"}
    assert lines[3] == f"  = fix: {SYNTAX.fix_hint}"


def test_full_carets_follow_tabs_in_the_source_line():
    line = "\tloss = criterion(\tprobs, y)"
    start = line.index("probs") + 1
    lines = render([finding(source_line=line, start=start, end=start + len("probs"))], "full").splitlines()
    source, carets = lines[1], lines[2]
    # Tabs expand to the next multiple of four cells, as editors show Python code.
    assert source == "    " + "    loss = criterion(   probs, y)"
    assert source[carets.index("^") : len(carets)] == "probs"


def test_full_carets_count_wide_characters_as_two_cells():
    line = 'print("日本") ; F.softmax(x)'
    start = line.index("F.softmax") + 1
    lines = render([finding(source_line=line, start=start, end=start + len("F.softmax(x)"))], "full").splitlines()
    # Each of the two wide characters occupies two cells, so the carets sit two further right.
    assert lines[2].index("^") == lines[1].index("F.softmax") + 2
    assert lines[2].count("^") == len("F.softmax(x)")


def test_full_multiline_span_is_underlined_to_the_end_of_its_first_line():
    line = "    loss = criterion(   "
    start = line.index("criterion") + 1
    lines = render([finding(source_line=line, start=start, end_line=15, end=6)], "full").splitlines()
    assert lines[2].count("^") == len("criterion(")
    assert lines[1][lines[2].index("^") :] == "criterion("


def test_full_empty_span_still_gets_one_caret():
    line = "def f(x:"
    lines = render([finding(source_line=line, start=9, end=9)], "full").splitlines()
    # Column 9 is just past the `:` where the parser gave up.
    assert lines[2] == " " * len(lines[1]) + "^"


def test_full_shows_related_locations_and_separates_findings():
    related = (Location("model.py", Position(4, 9), Position(4, 20), "defined here"),)
    first = finding(related=related)
    second = finding(code="NNL002", line=1, start=1, end=1, source_line="", message="cannot read")
    output = render([first, second], "full")
    blocks = output.split("\n\n")
    assert len(blocks) == 2
    assert "  = note: model.py:4:9: defined here" in blocks[0].splitlines()
    # No source line to show, so no caret line; the fix hint is still there.
    assert blocks[1] == f"train.py:1:1: NNL002 cannot read\n  = fix: {UNREADABLE.fix_hint}\n"


# --- json -----------------------------------------------------------------------------


RUFF_FIELDS = {"code", "message", "filename", "location", "end_location", "url", "fix", "noqa_row"}


def test_json_uses_ruffs_field_names():
    record = json.loads(render([finding(line=12)], "json"))[0]
    assert RUFF_FIELDS <= set(record)
    assert record["code"] == "NNL001"
    assert record["name"] == SYNTAX.name
    assert record["filename"] == "train.py"
    assert record["location"] == {"row": 12, "column": SPAN_START}
    assert record["end_location"] == {"row": 12, "column": SPAN_END}
    assert record["noqa_row"] == 12
    assert record["severity"] == SYNTAX.severity
    assert record["url"] == SYNTAX.url()
    assert record["fix"] is None
    assert record["related"] == []


def test_json_round_trips_fix_and_related_locations():
    diagnostic = finding(
        fix=Fix("Pass the logits", (Edit(Position(12, SPAN_START), Position(12, SPAN_END), "logits"),),
                applicability="safe"),
        related=(Location("model.py", Position(4, 9), Position(4, 20), "defined here"),),
    )
    output = render([diagnostic], "json")
    assert output.endswith("\n") and output.startswith("[\n  {")
    record = json.loads(output)[0]
    assert record["fix"] == {
        "message": "Pass the logits",
        "applicability": "safe",
        "edits": [
            {
                "content": "logits",
                "location": {"row": 12, "column": SPAN_START},
                "end_location": {"row": 12, "column": SPAN_END},
            }
        ],
    }
    assert record["related"] == [
        {
            "filename": "model.py",
            "location": {"row": 4, "column": 9},
            "end_location": {"row": 4, "column": 20},
            "message": "defined here",
        }
    ]


def test_json_output_is_stable():
    diagnostics = [finding(), finding(code="NNL002", line=1, start=1, end=1)]
    assert render(diagnostics, "json") == render(list(diagnostics), "json")
    assert list(json.loads(render(diagnostics, "json"))[0])[:4] == ["code", "name", "message", "filename"]


# --- sarif ----------------------------------------------------------------------------


def _sarif_schema() -> dict:
    for candidate in (
        Path(__file__).resolve().parents[2] / "shared/schemas/sarif-schema-2.1.0.json",
        Path("/work/shared/schemas/sarif-schema-2.1.0.json"),
    ):
        if candidate.is_file():
            return json.loads(candidate.read_text(encoding="utf-8"))
    pytest.skip("SARIF 2.1.0 schema not available")


def _validate(log: dict) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = _sarif_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class(schema, format_checker=validator_class.FORMAT_CHECKER).validate(log)


def sarif(diagnostics) -> dict:
    return json.loads(render(diagnostics, "sarif"))


@pytest.fixture
def in_project(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_sarif_validates_against_the_schema(in_project):
    diagnostics = [
        finding(
            path="src/my model.py",
            fix=Fix("Pass the logits", (Edit(Position(12, 5), Position(12, 9), "logits"),
                                        Edit(Position(13, 1), Position(13, 1), "# inserted\n"))),
            related=(Location("src/loss.py", Position(4, 9), Position(4, 20), "loss defined here"),),
        ),
        finding(code="NNL002", path=str(in_project / "data.py"), line=1, start=1, end=1, source_line=""),
        finding(path="/elsewhere/x.py"),
    ]
    _validate(sarif(diagnostics))


def test_sarif_without_findings_is_a_valid_log(in_project):
    log = sarif([])
    _validate(log)
    assert log["runs"][0]["results"] == []


def test_sarif_describes_the_tool_and_every_rule(in_project):
    run = sarif([finding()])["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    driver = run["tool"]["driver"]
    assert driver["name"] == "nnlint"
    assert driver["version"] == nnlint.__version__
    assert [rule["id"] for rule in driver["rules"]] == [rule.code for rule in all_rules()]
    syntax = driver["rules"][[rule["id"] for rule in driver["rules"]].index("NNL001")]
    assert syntax["shortDescription"]["text"] == SYNTAX.summary
    assert SYNTAX.fix_hint in syntax["fullDescription"]["text"]
    assert syntax.get("helpUri") == SYNTAX.url()
    assert syntax["help"]["markdown"] == SYNTAX.documentation()
    assert syntax["defaultConfiguration"]["level"] == "error"


def test_sarif_result_points_at_its_rule_and_span(in_project):
    run = sarif([finding(code="NNL002", line=7)])["runs"][0]
    result = run["results"][0]
    assert result["ruleId"] == "NNL002"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "NNL002"
    assert result["level"] == "error"
    assert result["message"]["text"] == "softmax output fed to CrossEntropyLoss"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 7, "startColumn": SPAN_START, "endLine": 7, "endColumn": SPAN_END}


def test_sarif_uris_are_relative_to_the_project_root(in_project):
    (in_project / "src").mkdir()
    diagnostics = [
        finding(path="src/my model.py"),
        finding(path="./src/train.py"),
        finding(path=str(in_project / "src" / "abs.py")),
        finding(path="/elsewhere/x.py"),
    ]
    run = sarif(diagnostics)["runs"][0]
    locations = [result["locations"][0]["physicalLocation"]["artifactLocation"] for result in run["results"]]
    assert locations[0] == {"uri": "src/my%20model.py", "uriBaseId": "%SRCROOT%"}
    assert locations[1] == {"uri": "src/train.py", "uriBaseId": "%SRCROOT%"}
    assert locations[2] == {"uri": "src/abs.py", "uriBaseId": "%SRCROOT%"}
    assert locations[3] == {"uri": "file:///elsewhere/x.py"}
    root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert root == in_project.as_uri() + "/"


def test_sarif_related_locations_have_ids_and_messages(in_project):
    related = (
        Location("train.py", Position(3, 1), Position(3, 10), "criterion created here"),
        Location("model.py", Position(8, 5), Position(8, 30), "softmax applied here"),
    )
    result = sarif([finding(related=related)])["runs"][0]["results"][0]
    assert [(item["id"], item["message"]["text"]) for item in result["relatedLocations"]] == [
        (0, "criterion created here"),
        (1, "softmax applied here"),
    ]
    assert result["relatedLocations"][1]["physicalLocation"]["region"]["startLine"] == 8


def _fingerprints(diagnostics) -> list[str]:
    return [result["partialFingerprints"]["primaryLocationLineHash"] for result in sarif(diagnostics)["runs"][0]["results"]]


def test_sarif_fingerprint_survives_lines_inserted_above(in_project):
    before = finding(line=12)
    after = finding(line=40, source_line="\t" + SOFTMAX_LINE.strip())  # moved and re-indented
    assert _fingerprints([before]) == _fingerprints([after])


def test_sarif_fingerprints_differ_between_findings(in_project):
    first = finding()
    prints = _fingerprints(
        [
            first,
            replace(first, message="another message"),
            replace(first, path="other.py"),
            replace(first, code="NNL002"),
            replace(first, source_line="    loss = criterion(F.softmax(out, dim=1), target)"),
        ]
    )
    assert len(set(prints)) == len(prints)


def test_sarif_identical_findings_are_told_apart_by_occurrence(in_project):
    first, second = finding(line=12), finding(line=20)
    prints = _fingerprints([first, second])
    hashes = [fingerprint.rsplit(":", 1) for fingerprint in prints]
    assert hashes[0][0] == hashes[1][0]
    assert [hashes[0][1], hashes[1][1]] == ["1", "2"]


# --- github ---------------------------------------------------------------------------


def test_github_annotation_format():
    output = render([finding(line=12, end=SPAN_END)], "github")
    assert output == (
        f"::error file=train.py,line=12,col={SPAN_START},endLine=12,endColumn={SPAN_END},"
        "title=NNL001 (syntax-error)::softmax output fed to CrossEntropyLoss\n"
    )


def test_github_uses_warning_for_warning_rules():
    output = render([replace(finding(), severity="warning")], "github")
    assert output.startswith("::warning file=train.py,")


def test_github_escapes_messages_and_paths():
    diagnostic = finding(path="dir,a:b/100%.py", message="50% of x: a, b\nnext\r")
    output = render([diagnostic], "github")
    assert output.startswith("::error file=dir%2Ca%3Ab/100%25.py,line=12,")
    assert output.endswith("::50%25 of x: a, b%0Anext%0D\n")
    assert output.count("\n") == 1


# --- empty input ----------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["text", "full", "github"])
def test_no_findings_prints_nothing(output_format):
    assert render([], output_format) == ""


def test_no_findings_is_an_empty_json_list():
    assert json.loads(render([], "json")) == []


# --- statistics -----------------------------------------------------------------------


def test_statistics_counts_per_code_most_frequent_first():
    diagnostics = [finding(code="NNL001")] + [finding(code="NNL002", line=n) for n in range(1, 4)]
    assert render_statistics(diagnostics) == (
        f"  3  NNL002  {UNREADABLE.name}\n"
        f"  1  NNL001  {SYNTAX.name}\n"
    )


def test_statistics_right_aligns_large_counts():
    diagnostics = [finding(code="NNL001", line=n) for n in range(1, 1235)] + [finding(code="NNL002")]
    lines = render_statistics(diagnostics).splitlines()
    assert lines == [f"1234  NNL001  {SYNTAX.name}", f"   1  NNL002  {UNREADABLE.name}"]


def test_statistics_of_nothing_is_empty():
    assert render_statistics([]) == ""


# --- file names that are not UTF-8 ------------------------------------------------------

# Linux file names are bytes; Python spells b"\xff-model.py" as "\udcff-model.py".
NOT_UTF8 = "\udcff-model.py"


@pytest.mark.parametrize("output_format", OUTPUT_FORMATS)
def test_every_format_renders_a_file_name_that_is_not_utf8(in_project, output_format):
    diagnostic = finding(
        path=NOT_UTF8,
        related=(Location(f"/elsewhere/{NOT_UTF8}", Position(3, 1), Position(3, 5), "defined here"),),
        fix=Fix("Return the logits", (Edit(Position(12, 5), Position(12, 9), "x"),)),
    )
    output = render([diagnostic], output_format)
    assert "-model.py" in output


def test_sarif_uri_of_a_name_that_is_not_utf8_keeps_its_bytes(in_project):
    log = sarif([finding(path=NOT_UTF8)])
    _validate(log)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "%FF-model.py", "uriBaseId": "%SRCROOT%"}


def test_gitlab_path_of_a_name_that_is_not_utf8_is_valid_unicode(in_project):
    [issue] = json.loads(render([finding(path=NOT_UTF8)], "gitlab"))
    assert issue["location"]["path"] == "\ufffd-model.py"
