"""The confirmations a probe can observe beyond the output range: a model left in training
mode (NNL502), units that stay identical (NNL301), layers outside parameters() (NNL302) —
each on a model with the bug and one without."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")

from nnlint.diagnostic import Diagnostic, Position
from nnlint.dynamic.confirmation import Confirmer
from nnlint.dynamic.isolation import run_module
from nnlint.dynamic.session import build_request
from nnlint.dynamic.settings import DynamicSettings
from nnlint.lint import lint_source

MODELS = Path(__file__).parent / "dynamic_models"
CONFIRMED = MODELS / "confirmed.py"
PLAIN = MODELS / "eval_without_dropout.py"


def _probe(path: Path):
    settings = DynamicSettings(timeout=30)
    request = build_request(str(path), settings, str(MODELS), {"NNL904": {"steps": 5}})
    return run_module(request, settings.timeout, settings.memory_mb)


@pytest.fixture(scope="module")
def confirmed():
    return _probe(CONFIRMED)


@pytest.fixture(scope="module")
def plain():
    return _probe(PLAIN)


def _line(path: Path, text: str, after: str = "") -> int:
    lines = path.read_text().splitlines()
    start = next(number for number, source in enumerate(lines, 1) if after in source) if after else 1
    return next(number for number, source in enumerate(lines, 1) if number >= start and text in source)


def _at(code: str, path: Path, line: int) -> Diagnostic:
    """A finding of `code` at `line`, as the static rule would report it there."""
    return Diagnostic(code=code, name=code, message="", path=str(path), start=Position(line, 1),
                      end=Position(line, 2))


def _confirm(outcome, diagnostic: Diagnostic):
    return Confirmer(outcome, diagnostic.path, 1e-3).confirm(diagnostic)


def test_evaluation_in_training_mode_is_confirmed_by_dropout_and_batch_norm(confirmed):
    result = _confirm(confirmed, _at("NNL502", CONFIRMED, _line(CONFIRMED, "model(x).argmax(1)")))
    assert result.status == "confirmed", result
    assert "two training-mode passes over the same 16 inputs differ" in result.detail
    assert "(dropout: drop)" in result.detail and "DropoutNet" in result.detail
    batch_norm = confirmed.reports["BatchNormNet"]["probes"]["train_eval"]
    assert batch_norm["repeat_difference"] == 0.0 and batch_norm["mode_difference"] > 1e-3
    assert batch_norm["batch_norm"] == ["bn"]


def test_evaluation_in_training_mode_of_a_model_without_dropout_is_not_confirmed(plain):
    result = _confirm(plain, _at("NNL502", PLAIN, _line(PLAIN, "model(x).argmax(1)")))
    assert result.status == "not-confirmed", result
    assert "equal those of evaluation mode" in result.detail and "PlainNet" in result.detail


def test_a_zero_output_layer_is_not_kept_symmetric(confirmed):
    result = _confirm(confirmed, _at("NNL301", CONFIRMED, _line(CONFIRMED, "nn.init.zeros_(self.out.weight)")))
    assert result.status == "not-confirmed", result
    assert "rows of out.weight are identical after construction, but their gradients differ" in result.detail


def test_a_random_initialization_has_distinct_rows(confirmed):
    result = _confirm(confirmed, _at("NNL301", CONFIRMED, _line(CONFIRMED, "self.fc1 = nn.Linear", "class DropoutNet")))
    assert result.status == "not-confirmed" and "distinct rows" in result.detail


def test_constant_layers_in_a_row_stay_identical():
    source = (MODELS / "probed.py")
    outcome = _probe(source)
    (finding,) = [d for d in lint_source(source.read_bytes(), str(source), {"NNL301"})]
    result = _confirm(outcome, finding)
    assert result.status == "confirmed" and "the units stay identical" in result.detail


def test_unregistered_layers_say_whether_they_get_gradients(confirmed):
    found = {d.start.line: d for d in lint_source(CONFIRMED.read_bytes(), str(CONFIRMED), {"NNL302"})}
    unused = _confirm(confirmed, found[_line(CONFIRMED, "self.extra = [")])
    assert unused.status == "confirmed"
    assert "extra holds 1 module(s) with 156 parameters missing from parameters()" in unused.detail
    assert "forward never uses them, so they get no gradient" in unused.detail
    used = _confirm(confirmed, found[_line(CONFIRMED, "self.blocks = [")])
    assert used.status == "confirmed"
    assert "backward gives them gradients, but an optimizer built from parameters() never updates them" in used.detail


def test_a_module_list_is_registered(confirmed):
    result = _confirm(confirmed, _at("NNL302", CONFIRMED, _line(CONFIRMED, "nn.ModuleList(")))
    assert result.status == "not-confirmed" and "every submodule is registered" in result.detail


def test_an_unused_layer_is_confirmed_never_called_and_without_gradient(confirmed):
    found = {d.start.line: d for d in lint_source(CONFIRMED.read_bytes(), str(CONFIRMED), {"NNL403"})}
    unused = _confirm(confirmed, found[_line(CONFIRMED, "self.fc_unused = nn.Linear(32, 3)")])
    assert unused.status == "confirmed", unused
    assert "forward never calls fc_unused (Linear" in unused.detail and "gives it no gradient" in unused.detail
    dropout = _confirm(confirmed, found[_line(CONFIRMED, "self.dropout = nn.Dropout(0.5)", "class SkipsDropout")])
    assert dropout.status == "confirmed" and "forward never calls dropout (Dropout" in dropout.detail


def test_a_used_layer_is_not_confirmed_unused(confirmed):
    line = _line(CONFIRMED, "self.fc2 = nn.Linear(32, 3)", "class SkipsDropout")
    result = _confirm(confirmed, _at("NNL403", CONFIRMED, line))
    assert result.status == "not-confirmed" and "forward calls fc2 (Linear" in result.detail
