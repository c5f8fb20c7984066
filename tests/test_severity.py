"""Severities as a CI job sees them: each rule's default, `[tool.nnlint.severity]` and
`--severity` changing it, the SARIF level / GitHub command / GitLab severity that carry it,
and `fail-on` deciding the exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nnlint.buffer_lint import lint_buffer
from nnlint.cli import cli
from nnlint.config import load_config
from nnlint.rules import rules_by_code

SCHEMA = Path("/work/shared/schemas/sarif-schema-2.1.0.json")
SOFTMAX = "import torch\ny = torch.nn.functional.softmax(x)\n"  # NNL107, a warning by default
BROKEN = "import torch\ndef f(x:\n"  # NNL001, an error


def nnlint(*args: str):
    try:  # click < 8.2 mixes stderr into stdout unless told not to
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        runner = CliRunner()
    return runner.invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NNLINT_OUTPUT_FORMAT", raising=False)
    (tmp_path / "pyproject.toml").write_text("[tool.nnlint]\n")
    (tmp_path / "soft.py").write_text(SOFTMAX)
    (tmp_path / "broken.py").write_text(BROKEN)
    return tmp_path


def configure(root: Path, body: str) -> None:
    (root / "pyproject.toml").write_text("[tool.nnlint]\n" + body)


def validated_sarif(text: str) -> dict:
    log = json.loads(text)
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.is_file():
        pytest.skip("SARIF 2.1.0 schema not available")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class(schema, format_checker=validator_class.FORMAT_CHECKER).validate(log)
    return log


def sarif_levels(text: str) -> dict[str, str]:
    log = validated_sarif(text)
    return {result["ruleId"]: result["level"] for result in log["runs"][0]["results"]}


def github_commands(text: str) -> dict[str, str]:
    return {line.split("title=")[1].split()[0]: line.split()[0] for line in text.splitlines()}


def gitlab_severities(text: str) -> dict[str, str]:
    return {issue["check_name"]: issue["severity"] for issue in json.loads(text)}


def test_default_severities_reach_every_ci_format(project):
    assert sarif_levels(nnlint("check", "--output-format", "sarif").stdout) == {"NNL001": "error",
                                                                                "NNL107": "warning"}
    assert github_commands(nnlint("check", "--output-format", "github").stdout) == {"NNL001": "::error",
                                                                                    "NNL107": "::warning"}
    assert gitlab_severities(nnlint("check", "--output-format", "gitlab").stdout) == {"NNL001": "critical",
                                                                                      "NNL107": "major"}


def test_rules_whose_code_computes_a_wrong_result_are_errors():
    rules = rules_by_code()
    assert {code for code in ("NNL101", "NNL102", "NNL602", "NNL603", "NNL302") if rules[code].severity == "error"} \
        == {"NNL101", "NNL102", "NNL602", "NNL603", "NNL302"}
    assert rules["NNL107"].severity == rules["NNL201"].severity == rules["NNL903"].severity == "warning"
    assert "Default severity: error." in rules["NNL101"].documentation()
    listed = json.loads(nnlint("rules", "--output-format", "json").stdout)
    assert {record["code"]: record["severity"] for record in listed}["NNL101"] == "error"


def test_configured_severity_is_carried_into_sarif_github_gitlab_and_json(project):
    configure(project, '[tool.nnlint.severity]\nNNL107 = "error"\nNNL001 = "warning"\n')
    assert sarif_levels(nnlint("check", "--output-format", "sarif").stdout) == {"NNL001": "warning",
                                                                                "NNL107": "error"}
    assert github_commands(nnlint("check", "--output-format", "github").stdout) == {"NNL001": "::warning",
                                                                                    "NNL107": "::error"}
    assert gitlab_severities(nnlint("check", "--output-format", "gitlab").stdout) == {"NNL001": "major",
                                                                                      "NNL107": "critical"}
    records = json.loads(nnlint("check", "--output-format", "json").stdout)
    assert {r["code"]: r["severity"] for r in records} == {"NNL001": "warning", "NNL107": "error"}


def test_more_specific_selector_wins_and_the_command_line_wins_over_the_file(project):
    configure(project, '[tool.nnlint.severity]\nNNL = "error"\nNNL107 = "warning"\n')
    assert sarif_levels(nnlint("check", "--output-format", "sarif").stdout)["NNL107"] == "warning"
    result = nnlint("check", "--output-format", "sarif", "--severity", "NNL1=error,NNL001=warning")
    assert sarif_levels(result.stdout) == {"NNL001": "warning", "NNL107": "error"}


def test_fail_on_error_reports_warnings_but_exits_0(project):
    (project / "broken.py").unlink()
    result = nnlint("check", "--fail-on", "error")
    assert result.exit_code == 0 and "soft.py:2:5: NNL107" in result.stdout
    assert nnlint("check").exit_code == 1
    configure(project, 'fail-on = "error"\n')
    assert nnlint("check").exit_code == 0
    assert nnlint("check", "--fail-on", "warning").exit_code == 1
    assert nnlint("check", "--severity", "NNL107=error").exit_code == 1
    (project / "broken.py").write_text(BROKEN)
    assert nnlint("check").exit_code == 1  # NNL001 is an error
    assert nnlint("check", "--exit-zero").exit_code == 0


@pytest.mark.parametrize(("body", "message"), [
    ('[tool.nnlint.severity]\nNNL777 = "error"\n', "unknown rule code or prefix 'NNL777' in [tool.nnlint.severity]"),
    ('[tool.nnlint.severity]\nNNL107 = "fatal"\n',
     "the severity of NNL107 must be \"error\" or \"warning\", not 'fatal'"),
    ('[tool.nnlint.severity]\nNNL107 = 1\n', "must be \"error\" or \"warning\", not an integer"),
    ('severity = "error"\n', "'severity' in [tool.nnlint]"),
    ('fail-on = "never"\n', "'fail-on' must be \"error\" or \"warning\", not 'never'"),
])
def test_bad_severity_settings_are_config_errors(project, body, message):
    configure(project, body)
    result = nnlint("check")
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (("--severity", "NNL107"), "'NNL107' is not CODES=LEVEL"),
    (("--severity", "NNL107=loud"), "must be \"error\" or \"warning\", not 'loud' in --severity"),
    (("--severity", "XYZ=error"), "unknown rule code or prefix 'XYZ' in --severity"),
    (("--fail-on", "info"), "Invalid value for '--fail-on'"),
])
def test_bad_severity_options_are_usage_errors(project, args, message):
    result = nnlint("check", *args)
    assert result.exit_code == 2 and message in result.stderr


def test_editor_diagnostics_carry_the_configured_severity(project):
    configure(project, '[tool.nnlint.severity]\nNNL107 = "error"\n')
    config = load_config([str(project / "soft.py")])
    run = lint_buffer(SOFTMAX, str(project / "soft.py"), config)
    assert [(d.code, d.severity) for d in run.diagnostics] == [("NNL107", "error")]
