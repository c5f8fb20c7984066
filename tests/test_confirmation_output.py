"""The confirmation status of `check --dynamic` in every output format (no torch needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nnlint.diagnostic import Confirmation, Diagnostic, Position
from nnlint.report import render
from nnlint.report.sarif import sarif_log

SCHEMA = Path("/work/shared/schemas/sarif-schema-2.1.0.json")
SCHEMA_BESIDE = Path(__file__).resolve().parents[2] / "shared/schemas/sarif-schema-2.1.0.json"


def _validate_sarif(log: dict) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    path = next((p for p in (SCHEMA_BESIDE, SCHEMA) if p.is_file()), None)
    if path is None:
        pytest.skip("SARIF 2.1.0 schema not available")
    schema = json.loads(path.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class(schema, format_checker=validator_class.FORMAT_CHECKER).validate(log)

CONFIRMED = Diagnostic(
    code="NNL101", name="softmax-before-cross-entropy", message="softmax output is fed to CrossEntropyLoss",
    path="model.py", start=Position(14, 16), end=Position(14, 40), source_line="        return F.softmax(x, dim=1)",
    confirmation=Confirmation("confirmed", "the rows of output sum to 1 for 64 different inputs in Net (model.py:7)"),
)
STATIC = Diagnostic(code="NNL107", name="softmax-without-dim", message="nn.Softmax() without dim", path="model.py",
                    start=Position(20, 5), end=Position(20, 17))


def test_text_appends_the_status_in_brackets():
    lines = render([CONFIRMED, STATIC], "text").splitlines()
    assert lines[0].endswith("CrossEntropyLoss [confirmed: the rows of output sum to 1 for 64 different inputs "
                             "in Net (model.py:7)]")
    assert lines[1].endswith("nn.Softmax() without dim")


def test_full_has_a_dynamic_line():
    assert "  = dynamic: confirmed: the rows of output sum to 1" in render([CONFIRMED], "full")
    assert "= dynamic" not in render([STATIC], "full")


def test_json_has_the_field_only_when_set():
    confirmed, static = json.loads(render([CONFIRMED, STATIC], "json"))
    assert confirmed["confirmation"] == {"status": "confirmed", "detail": CONFIRMED.confirmation.detail}
    assert "confirmation" not in static


def test_sarif_carries_it_as_a_property_and_stays_valid():
    log = sarif_log([CONFIRMED, STATIC])
    confirmed, static = log["runs"][0]["results"]
    assert confirmed["properties"] == {"nnlintConfirmation": "confirmed",
                                       "nnlintConfirmationDetail": CONFIRMED.confirmation.detail}
    assert "properties" not in static
    _validate_sarif(log)
