"""Rule links come from the installed package's `[project.urls]` and are never made up.

nnlint's own pyproject.toml declares no URL (the project is not published), so reports carry
no link and SARIF carries each rule's page as `help`; with a `Rules` and a `Repository` URL
declared, JSON, SARIF and the editor link to `<Rules>/CODE.md`. tests/test_packaging.py shows
the same through real wheel metadata.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import nnlint.project_urls
from nnlint.cli import cli
from nnlint.diagnostic import Diagnostic, Position
from nnlint.report import render
from nnlint.rules import rules_by_code

RULE = rules_by_code()["NNL101"]
DECLARED = {"Rules": "https://example.org/team/nnlint/blob/main/docs/rules/",
            "Repository": "https://example.org/team/nnlint"}


def _finding() -> Diagnostic:
    return Diagnostic(code=RULE.code, name=RULE.name, message="softmax output fed to CrossEntropyLoss",
                      path="train.py", start=Position(3, 5), end=Position(3, 9), severity=RULE.severity,
                      source_line="x = F.softmax(y, dim=1)")


def _validate_sarif(log: dict) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema_path = Path("/work/shared/schemas/sarif-schema-2.1.0.json")
    candidates = [Path(__file__).resolve().parents[2] / "shared/schemas/sarif-schema-2.1.0.json", schema_path]
    schema_file = next((c for c in candidates if c.is_file()), None)
    if schema_file is None:
        pytest.skip("SARIF 2.1.0 schema not available")
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class(schema, format_checker=validator_class.FORMAT_CHECKER).validate(log)


@pytest.fixture
def declared(monkeypatch):
    monkeypatch.setattr(nnlint.project_urls, "project_urls", lambda: dict(DECLARED))


@pytest.fixture
def undeclared(monkeypatch):
    monkeypatch.setattr(nnlint.project_urls, "project_urls", lambda: {})


def test_this_package_declares_no_url_so_none_is_given():
    nnlint.project_urls.project_urls.cache_clear()
    assert nnlint.project_urls.project_urls() == {}
    assert RULE.url() is None


def test_without_urls_sarif_has_no_links_and_carries_the_page(undeclared, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    log = json.loads(render([_finding()], "sarif"))
    driver = log["runs"][0]["tool"]["driver"]
    assert "informationUri" not in driver
    (descriptor,) = [d for d in driver["rules"] if d["id"] == RULE.code]
    assert "helpUri" not in descriptor
    assert descriptor["help"]["markdown"] == RULE.documentation()
    _validate_sarif(log)


def test_without_urls_json_and_the_rule_list_say_null(undeclared):
    assert json.loads(render([_finding()], "json"))[0]["url"] is None
    listed = CliRunner().invoke(cli, ["rules", "--output-format", "json"])
    assert listed.exit_code == 0
    assert {record["url"] for record in json.loads(listed.output)} == {None}


def test_declared_urls_link_every_report_to_the_rule_page(declared, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    page = "https://example.org/team/nnlint/blob/main/docs/rules/NNL101.md"
    assert json.loads(render([_finding()], "json"))[0]["url"] == page
    log = json.loads(render([_finding()], "sarif"))
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == "https://example.org/team/nnlint"
    assert {d["id"]: d["helpUri"] for d in driver["rules"]}[RULE.code] == page
    _validate_sarif(log)


@pytest.mark.skipif(importlib.util.find_spec("lsprotocol") is None, reason="pygls is not installed")
@pytest.mark.parametrize("urls, href", [({}, None), (DECLARED, "https://example.org/team/nnlint/blob/main/docs/rules/NNL101.md")])
def test_the_editor_link_follows_the_declared_urls(urls, href, monkeypatch):
    from nnlint.lsp.conversion import lsp_diagnostic

    monkeypatch.setattr(nnlint.project_urls, "project_urls", lambda: dict(urls))
    converted = lsp_diagnostic(_finding(), ["", "", "x = F.softmax(y, dim=1)"], "file:///train.py", "utf-16")
    assert (converted.code_description.href if converted.code_description else None) == href
