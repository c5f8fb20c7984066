"""Models whose constructor needs arguments: built as the file's own call builds them when
that call passes literals (`Net(10, hidden=64)`), the config's `args`/`kwargs` winning when
given; a LightningModule is probed through its forward, its training_step left alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("torch")

from nnlint.dynamic.isolation import run_module
from nnlint.dynamic.session import build_request
from nnlint.dynamic.settings import DynamicSettings, ModelSpec

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent('''
    import torch
    import torch.nn as nn


    class Net(nn.Module):
        def __init__(self, in_dim, hidden=32, classes=3):
            super().__init__()
            self.fc1 = nn.Linear(in_dim, hidden)
            self.fc2 = nn.Linear(hidden, classes)

        def forward(self, x):
            return self.fc2(torch.relu(self.fc1(x)))


    class Computed(nn.Module):
        def __init__(self, in_dim):
            super().__init__()
            self.fc = nn.Linear(in_dim, 2)

        def forward(self, x):
            return self.fc(x)


    def main(features):
        first = Net(10, hidden=64)
        second = Net(99)
        other = Computed(features.shape[1])
        return first, second, other


    if __name__ == "__main__":
        main(torch.randn(4, 7))
''')


def _outcome(tmp_path: Path, **specs: ModelSpec):
    path = tmp_path / "script.py"
    path.write_text(SCRIPT)
    settings = DynamicSettings(timeout=30)
    request = build_request(str(path), settings, str(tmp_path), {"NNL904": {"steps": 5}}, extra_specs=specs)
    return run_module(request, settings.timeout, settings.memory_mb)


def test_the_files_first_literal_call_builds_the_model(tmp_path: Path) -> None:
    outcome = _outcome(tmp_path)
    report = outcome.reports["Net"]
    assert report["status"] == "ok", report
    assert report["built_as"] == "Net(10, hidden=64) (line 26)"
    assert report["parameters"] == 10 * 64 + 64 + 64 * 3 + 3
    assert "shape (8, 10)" in report["input"]
    # Computed(features.shape[1]) is no literal: nothing is guessed.
    assert outcome.reports["Computed"]["status"] == "needs-arguments"


def test_configured_arguments_win_over_the_files_call(tmp_path: Path) -> None:
    report = _outcome(tmp_path, Net=ModelSpec(args=(5,), kwargs={"hidden": 8})).reports["Net"]
    assert report["status"] == "ok" and report["built_as"] is None
    assert report["parameters"] == 5 * 8 + 8 + 8 * 3 + 3


LIGHTNING_STAND_IN = textwrap.dedent('''
    """Stands in for pytorch_lightning, which the test environment does not install: the
    part of LightningModule dynamic mode meets (an nn.Module with hparams and logging)."""
    import torch.nn as nn


    class LightningModule(nn.Module):
        def save_hyperparameters(self, *args, **kwargs):
            self.hparams = kwargs

        def log(self, *args, **kwargs):
            raise AssertionError("training_step must not run")


    class Trainer:
        def __init__(self, **kwargs):
            raise AssertionError("the __main__ block must not run")
''')

LIGHTNING_MODEL = textwrap.dedent('''
    import pytorch_lightning as pl
    import torch
    import torch.nn as nn
    import torch.nn.functional as F


    class LitClassifier(pl.LightningModule):
        def __init__(self, in_dim, lr=1e-3):
            super().__init__()
            self.save_hyperparameters(lr=lr)
            self.net = nn.Sequential(nn.Linear(in_dim, 16), nn.ReLU(), nn.Linear(16, 4))

        def forward(self, x):
            return F.softmax(self.net(x), dim=1)

        def training_step(self, batch, batch_idx):
            x, y = batch
            loss = F.cross_entropy(self(x), y)
            self.log("train_loss", loss)
            return loss

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=self.hparams["lr"])


    if __name__ == "__main__":
        model = LitClassifier(20, lr=1e-3)
        pl.Trainer(max_epochs=1).fit(model)
''')


def test_a_lightning_module_is_built_from_the_files_call_and_probed_through_forward(tmp_path: Path) -> None:
    (tmp_path / "pytorch_lightning.py").write_text(LIGHTNING_STAND_IN)
    (tmp_path / "lit.py").write_text(LIGHTNING_MODEL)
    run = subprocess.run([sys.executable, "-m", "nnlint", "check", "--dynamic", "--isolated", "--no-cache",
                          "--output-format", "json", "lit.py"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=180, env={**os.environ, "PYTHONPATH": str(ROOT)})
    records = json.loads(run.stdout)
    (softmax,) = [record for record in records if record["code"] == "NNL101"]
    assert softmax["confirmation"]["status"] == "confirmed", softmax
    detail = softmax["confirmation"]["detail"]
    assert "rows of output sum to 1" in detail and "built as LitClassifier(20, lr=0.001)" in detail
