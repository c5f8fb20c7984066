"""The torch catalogue (nnlint/catalogue/): one table of torch knowledge that every analysis and
rule asks, complete against the installed torch, and the findings its corrected entries give."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from nnlint import catalogue
from nnlint.catalogue.layers import DROPOUT, EMBEDDING, KINDS, RECURRENT, WEIGHT
from nnlint.catalogue.ranges import LOG_PROBABILITIES, LOGITS, PROBABILITIES, RELU, SOFTMAX
from nnlint.lint import lint_source
from nnlint.rules import all_rules

ALL_CODES = {rule.code for rule in all_rules()}


def _codes(source: str) -> list[tuple[int, str]]:
    return sorted((d.start.line, d.code) for d in lint_source(source.encode(), "example.py", ALL_CODES))


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_every_torch_nn_module_class_has_a_row() -> None:
    # In a child process: nnlint's own tests must not import torch into the test process.
    listed = subprocess.run(
        [sys.executable, "-c", "import inspect, torch.nn as nn; print(' '.join(n for n, o in vars(nn).items() "
         "if inspect.isclass(o) and issubclass(o, nn.Module)))"],
        capture_output=True, text=True, check=True, timeout=300).stdout.split()
    missing = sorted(set(listed) - set(catalogue.LAYERS))
    assert not missing, f"torch.nn classes the catalogue lacks (add them to nnlint/catalogue/layers.py): {missing}"


def test_lookups() -> None:
    assert catalogue.layer_kind("Conv2d") == WEIGHT
    assert catalogue.layer_kind("NotALayer") is None
    lazy = catalogue.nn_layer("torch.nn.LazyConvTranspose2d")
    assert lazy is not None and lazy.kind == WEIGHT and lazy.width == (0, "out_channels") and lazy.width_axis == 1
    assert catalogue.layer("LSTM").kind == RECURRENT and catalogue.layer("LSTM").has_weight_matrix
    assert catalogue.layer("Embedding").kind == EMBEDDING and catalogue.layer("Embedding").takes_index_input
    assert catalogue.layer("Dropout2d").kind == DROPOUT and catalogue.layer("Dropout2d").mode_dependent
    assert catalogue.layer("Softmax").output == SOFTMAX and catalogue.layer("ReLU6").output == RELU
    assert catalogue.loss_of_call("torch.nn.functional.cross_entropy") == "CrossEntropyLoss"
    assert catalogue.loss_of_call("torch.nn.BCELoss") == "BCELoss"
    assert catalogue.loss("NLLLoss").input == LOG_PROBABILITIES
    assert "CrossEntropyLoss" in catalogue.losses_taking(LOGITS)
    assert "BCELoss" in catalogue.losses_taking(PROBABILITIES)
    assert catalogue.optimizer("torch.optim.AdamW").family == "adaptive"
    assert catalogue.optimizer("mypackage.AdamW") is None
    assert catalogue.scheduler("OneCycleLR").cadence == "iteration"
    assert catalogue.scheduler("StepLR").cadence == "epoch"


def test_every_row_has_a_known_kind() -> None:
    assert {row.kind for row in catalogue.LAYERS.values()} <= set(KINDS)
    assert all(row.width is None or row.kind == WEIGHT for row in catalogue.LAYERS.values())


def test_lazy_transposed_convolutions_are_weight_layers_for_constant_init() -> None:
    # Two of the three old weight-layer tables lacked LazyConvTranspose*.
    source = """import torch
import torch.nn as nn

class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.Sequential(
            nn.LazyConvTranspose2d(16, 3), nn.ReLU(),
            nn.LazyConvTranspose2d(3, 3), nn.Tanh(),
        )
        nn.init.zeros_(self.up[0].weight)
        nn.init.zeros_(self.up[2].weight)
"""
    assert _codes(source) == [(11, "NNL301"), (12, "NNL301")]


def test_transformer_layers_need_eval_mode() -> None:
    # nn.TransformerEncoderLayer has dropout=0.1 by default: evaluating without .eval() is wrong.
    source = """import torch
import torch.nn as nn

class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(64, 8)
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        return self.head(self.layer(x))

def evaluate(model, loader):
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
    return correct

model = Encoder()
optimizer = torch.optim.Adam(model.parameters())
for x, y in loader:
    loss = torch.nn.functional.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(evaluate(model, loader))
"""
    assert (17, "NNL502") in _codes(source)


def test_relu_before_a_margin_loss_on_scores() -> None:
    # SoftMarginLoss takes raw scores like BCEWithLogitsLoss: the catalogue says so, NNL108 asks.
    source = """import torch
import torch.nn as nn
import torch.nn.functional as F

class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(32, 1)

    def forward(self, x):
        return F.relu(self.fc(x))

model = Scorer()
criterion = nn.SoftMarginLoss()
def step(x, y):
    return criterion(model(x), y)
"""
    assert (11, "NNL108") in _codes(source)


def test_analysis_and_rules_keep_no_tables_of_torch_layer_names() -> None:
    """The old tables spelled layer names out; a new one would disagree with the catalogue again."""
    from pathlib import Path

    root = Path(catalogue.__file__).resolve().parents[1]
    offenders = [str(path.relative_to(root)) for folder in ("analysis", "rules") for path in (root / folder).glob("*.py")
                 if '"ConvTranspose' in path.read_text() or "LazyConv" in path.read_text()
                 or '"BatchNorm' in path.read_text()]
    assert not offenders, f"tables of torch layer names outside nnlint/catalogue/: {offenders}"
