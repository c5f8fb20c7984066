"""The shape check (NNL907): a mismatch is reported at the layer where shapes stop matching,
with the shape it got, the shape it expects and the number that would fit, at the line that
builds that layer; the fixed versions of the same models get nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")

from nnlint.dynamic.findings import dynamic_findings
from nnlint.dynamic.isolation import run_module
from nnlint.dynamic.session import build_request
from nnlint.dynamic.settings import DynamicSettings, ModelSpec

MODELS = Path(__file__).parent / "dynamic_models"
SHAPES = MODELS / "shapes.py"
LINES = SHAPES.read_text().splitlines()


def _line_of(text: str) -> int:
    (line,) = [number for number, source in enumerate(LINES, 1) if text in source]
    return line


@pytest.fixture(scope="module")
def outcome():
    settings = DynamicSettings(timeout=30, memory_mb=2048)
    specs = {"ImageAndTabular": ModelSpec(inputs=((4, 3, 16, 16), (4, 12)))}
    request = build_request(str(SHAPES), settings, str(MODELS), {}, extra_specs=specs)
    return run_module(request, settings.timeout, settings.memory_mb)


def _findings(outcome) -> dict[str, list]:
    starts = {c["start"]: c["name"] for c in outcome.candidates}
    by_model: dict[str, list] = {}
    for diagnostic in dynamic_findings(outcome, str(SHAPES), LINES, {}):
        if diagnostic.code == "NNL907":
            name = diagnostic.message.split("shape mismatch in ", 1)[1].split(":", 1)[0]
            by_model.setdefault(name, []).append(diagnostic)
    assert set(starts.values()) >= set(by_model)
    return by_model


def test_cnn_with_a_hand_computed_in_features_is_reported_at_that_linear(outcome):
    (finding,) = _findings(outcome)["CifarCNN"]
    assert finding.start.line == _line_of("self.fc1 = nn.Linear(flat, 128)")
    assert "fc1 = Linear(in_features=2304, out_features=128" in finding.message
    assert "gets (N, 4096)" in finding.message and "expects (N, 2304)" in finding.message
    assert "in_features=4096 would fit" in finding.message
    assert "(8, 3, 32, 32)" in finding.message  # the input it was inferred as
    assert "no square image size from 16 to 512 fits either" in finding.message
    assert outcome.reports["CifarCNN"]["shape"]["device"] == "cpu"  # small: a batch of two on the CPU


def test_a_model_too_big_for_the_memory_limit_is_checked_on_the_meta_device(outcome):
    report = outcome.reports["HugeHead"]
    assert report["status"] == "shape-mismatch" and report["shape"]["device"] == "meta"
    assert "head = Linear(in_features=20000" in report["detail"] and "gets (N, 30000)" in report["detail"]
    assert "in_features=30000" in report["shape"]["fitting"]


def test_a_view_to_a_hand_computed_size_names_the_linear_and_the_per_sample_count(outcome):
    (finding,) = _findings(outcome)["ViewLeNet"]
    assert finding.start.line == _line_of("self.fc1 = nn.Linear(flat, 120)")
    assert "view/reshape to [-1, 576]" in finding.message and "400 features per sample" in finding.message
    assert "in_features=400" in finding.message


def test_mlp_with_a_wrong_width_is_reported_at_its_own_line_inside_the_sequential(outcome):
    (finding,) = _findings(outcome)["WideMLP"]
    assert finding.start.line == _line_of("nn.Linear(64, 10),")
    assert "net.4 = Linear(in_features=64, out_features=10" in finding.message
    assert "gets (N, 128)" in finding.message and "in_features=128 would fit" in finding.message


def test_fixed_models_and_a_two_input_model_with_configured_shapes_have_no_mismatch(outcome):
    found = _findings(outcome)
    for name in ("FixedCifarCNN", "FixedViewLeNet", "FixedWideMLP", "For96"):
        assert name not in found
        assert outcome.reports[name]["status"] == "ok", outcome.reports[name]
    assert "(8, 3, 96, 96)" in outcome.reports["For96"]["input"]
    report = outcome.reports["ImageAndTabular"]
    assert report["status"] == "shape-mismatch"
    assert "head = Linear(in_features=20" in report["detail"] and "gets (N, 24)" in report["detail"]
    assert report["line"] == _line_of("self.head = nn.Linear(8 + 12, 2)")


def test_the_input_layer_itself_is_not_a_mismatch(tmp_path):
    """A given input the first layer rejects is the input's fault: the existing error, not NNL907."""
    settings = DynamicSettings(timeout=30)
    request = build_request(str(SHAPES), settings, str(MODELS), {}, only=["FixedWideMLP"],
                            extra_specs={"FixedWideMLP": ModelSpec(inputs=((4, 100),))})
    report = run_module(request, settings.timeout, settings.memory_mb).reports["FixedWideMLP"]
    assert report["status"] == "no-input"
    assert "fails in net.0 = Linear(in_features=784" in report["detail"]


def test_probe_prints_the_mismatch_and_exits_with_1():
    from click.testing import CliRunner

    from nnlint.cli import cli

    result = CliRunner().invoke(cli, ["probe", f"{SHAPES}:WideMLP", "--isolated"])
    assert result.exit_code == 1, result.output
    line = _line_of("nn.Linear(64, 10),")
    assert f"shapes.py:{line}: NNL907 shape mismatch in WideMLP: net.4 = Linear(in_features=64" in result.output
    fixed = CliRunner().invoke(cli, ["probe", f"{SHAPES}:FixedWideMLP", "--isolated"])
    assert fixed.exit_code == 0 and "NNL907" not in fixed.output
