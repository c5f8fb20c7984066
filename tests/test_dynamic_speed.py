"""Dynamic mode's cost: the probes share their passes over the varied batch (one in
evaluation mode, one forward and backward in training mode), and a model's own `timeout`
bounds that model only."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

pytest.importorskip("torch")

from nnlint.dynamic.isolation import run_module
from nnlint.dynamic.session import build_request
from nnlint.dynamic.settings import DynamicSettings, ModelSpec, parse_dynamic_table

COUNTING = textwrap.dedent('''
    import time
    import torch.nn as nn


    class Features(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(12, 40)
            self.act = nn.ReLU()

        def forward(self, x):
            print(f"forward batch={x.shape[0]}")
            return self.act(self.fc(x))


    class Slow(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 2)

        def forward(self, x):
            time.sleep(30)
            return self.fc(x)
''')


def test_the_varied_batch_goes_through_forward_twice_not_once_per_probe(tmp_path: Path) -> None:
    path = tmp_path / "counting.py"
    path.write_text(COUNTING)
    settings = DynamicSettings(timeout=30)
    outcome = run_module(build_request(str(path), settings, str(tmp_path), {}, only=["Features"]),
                         settings.timeout, settings.memory_mb)
    report = outcome.reports["Features"]
    assert report["status"] == "ok", report
    batches = [line.split("=", 1)[1] for line in outcome.output.splitlines() if line.startswith("forward batch=")]
    assert batches.count("64") == 2, batches  # the shared evaluation pass and the training pass
    # The shape check (which also finds the input) takes a batch of two, so do the edge inputs
    # (zeros, ones, ±1e4); the train/eval probe runs 16 of the inputs twice in training mode
    # (evaluation mode is the shared pass); the one-item-per-class fit trains on its 10 samples.
    assert [batch for batch in batches if batch != "10"] == ["2", "64", "64", "2", "2", "2", "16", "16"], batches
    assert set(report["probes"]) >= {"output_range", "non_finite", "symmetry", "dead_relu", "gradient_flow"}


def test_a_models_own_timeout_bounds_that_model_only(tmp_path: Path) -> None:
    path = tmp_path / "counting.py"
    path.write_text(COUNTING)
    settings = DynamicSettings(timeout=60, models={"counting:Slow": ModelSpec(timeout=2)})
    started = time.monotonic()
    outcome = run_module(build_request(str(path), settings, str(tmp_path), {}), settings.timeout, settings.memory_mb)
    assert time.monotonic() - started < 40
    assert outcome.reports["Slow"]["status"] == "timeout"
    assert "within 2 s" in outcome.reports["Slow"]["detail"]
    assert outcome.reports["Features"]["status"] == "ok"


def test_a_models_timeout_is_validated() -> None:
    table = {"models": {"pkg.model:Net": {"timeout": 120}}}
    assert parse_dynamic_table(table, "pyproject.toml").models["pkg.model:Net"].timeout == 120.0
    with pytest.raises(ValueError, match="'timeout' in .*must be a positive number"):
        parse_dynamic_table({"models": {"pkg.model:Net": {"timeout": -1}}}, "pyproject.toml")
