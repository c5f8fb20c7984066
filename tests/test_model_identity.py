"""Models are told apart by what they hold, not by the variable that holds them.

Two functions may each bind `model` to a different class, and a helper may build its own
`net` (to export it, say) and switch that one to eval mode: neither says anything about the
model another function evaluates.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nnlint.runner import ProjectRun

CLASSES = '''
import torch
import torch.nn as nn


class Plain(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(x)


class WithDropout(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.drop = nn.Dropout(0.5)
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        return self.out(self.drop(torch.relu(self.fc(x))))

'''

PREDICT = '''
def predict_{name}(batch):
    model = {cls}()
    model.load_state_dict(torch.load("{name}.pt"))
    with torch.no_grad():
        return model(batch).argmax(1)  # {name}
'''

TRAIN_THEN_EVALUATE = '''
def export(path):
    net = WithDropout()
    net.load_state_dict(torch.load(path))
    net.eval()
{export_tail}


def evaluate(net, loader):
    with torch.no_grad():
        return sum((net(x).argmax(1) == y).sum().item() for x, y in loader)  # evaluated


def main(loader):
    net = WithDropout()
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    for x, y in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    {before_evaluate}
    print(evaluate(net, loader))
'''


def nnl502_lines(tmp_path: Path, source: str) -> list[str]:
    """The source lines NNL502 (opt-in) reports in one file."""
    path = tmp_path / "script.py"
    path.write_text(source)
    run = ProjectRun(tmp_path, lambda _: frozenset({"NNL502"}), {}, None, 1).check([(str(path), None)])
    return [d.source_line.strip() for d in run.diagnostics if d.code == "NNL502"]


@pytest.mark.parametrize("first, second", [("Plain", "WithDropout"), ("WithDropout", "Plain")])
def test_the_same_variable_name_in_two_functions_holds_two_models(tmp_path, first, second):
    source = CLASSES + PREDICT.format(name="first", cls=first) + PREDICT.format(name="second", cls=second)
    reported = nnl502_lines(tmp_path, source)
    dropout_function = "first" if first == "WithDropout" else "second"
    assert reported == [f"return model(batch).argmax(1)  # {dropout_function}"]


def test_a_helper_switching_its_own_model_to_eval_does_not_cover_the_trained_one(tmp_path):
    source = CLASSES + TRAIN_THEN_EVALUATE.format(
        export_tail='    torch.onnx.export(net, torch.randn(1, 8), "model.onnx")', before_evaluate='export("w.pt")')
    assert nnl502_lines(tmp_path, source) == [
        "return sum((net(x).argmax(1) == y).sum().item() for x, y in loader)  # evaluated"]


def test_a_helper_that_hands_its_eval_model_back_still_counts(tmp_path):
    source = CLASSES + TRAIN_THEN_EVALUATE.format(export_tail="    return net", before_evaluate='net = export("w.pt")')
    assert nnl502_lines(tmp_path, source) == []


def test_an_eval_switch_of_the_trained_model_in_a_helper_counts(tmp_path):
    source = CLASSES + TRAIN_THEN_EVALUATE.format(export_tail="", before_evaluate="net.eval()")
    assert nnl502_lines(tmp_path, source) == []
