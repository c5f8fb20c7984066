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


GENERATE = '''
def generate(model, idx, steps):
    for _ in range(steps):
        with torch.no_grad():
            logits = model(idx)
        idx = torch.cat([idx, logits.argmax(-1, keepdim=True)], dim=1)
    return idx  # generated


def main():
    model = {cls}()
    model.load_state_dict(torch.load("gpt.pt"))
    {before}
    {call}
'''


def test_a_parameter_holds_what_the_callers_pass_not_another_binding_of_its_name(tmp_path):
    # `model` in main() is WithDropout, but generate() is called only with a Plain model.
    source = CLASSES + GENERATE.format(cls="WithDropout", before="plain = Plain()",
                                       call="print(generate(plain, torch.zeros(1, 8), 3))")
    assert nnl502_lines(tmp_path, source) == []


def test_a_helper_whose_model_no_caller_in_view_passes_is_left_to_its_callers(tmp_path):
    # rasbt/LLMs-from-scratch's generate_text_simple: called from other files and notebooks,
    # after they set eval mode; the file's own main() evaluates its model properly.
    source = CLASSES + GENERATE.format(cls="WithDropout", before="model.eval()", call="print(model(torch.zeros(1, 8)))")
    assert nnl502_lines(tmp_path, source) == []


def test_a_caller_passing_a_model_with_dropout_in_training_mode_is_still_reported(tmp_path):
    source = CLASSES + GENERATE.format(cls="WithDropout", before="",
                                       call="print(generate(idx=torch.zeros(1, 8), steps=3, model=model))")
    assert nnl502_lines(tmp_path, source) == ["logits = model(idx)"]


UNWRAP = '''
class Trainer:
    def __init__(self, accelerator):
        self.accelerator = accelerator
        self.model = WithDropout()

    def training_step(self, x, y):
        self.model.train()
        return nn.functional.cross_entropy(self.model(x), y)

    @torch.no_grad()
    def save_samples(self, path):
        model = self.accelerator.unwrap_model(self.model)
        torch.save(model.state_dict(), path)
'''


def test_a_function_named_for_what_it_does_to_a_model_is_not_a_model(tmp_path):
    # accelerate's `unwrap_model(m)` (TRL's trainers), `load_model`, `get_model`: calling
    # them is not running a model.
    assert nnl502_lines(tmp_path, CLASSES + UNWRAP) == []


BUILDER = '''
class TestChunkedHead:
    def _build_model_and_inputs(self):
        model = WithDropout()
        {load}
        return model, torch.randn(4, 8)

    def test_masked_forward_matches(self):
        model, x = self._build_model_and_inputs()
        with torch.no_grad():
            out = model(x)
        torch.testing.assert_close(out[:2], out[:2])
'''


def test_a_model_fresh_from_the_test_class_builder_is_an_untrained_fixture(tmp_path):
    # TRL's TestPatchChunkedLMHead: `self._build_model_and_inputs()` builds a fake LM to
    # compare two forward paths; its random weights make eval() beside the point.
    assert nnl502_lines(tmp_path, CLASSES + BUILDER.format(load="")) == []


def test_a_model_the_builder_loads_weights_into_is_still_checked(tmp_path):
    source = CLASSES + BUILDER.format(load='model.load_state_dict(torch.load("w.pt"))')
    assert nnl502_lines(tmp_path, source) == ["out = model(x)"]


WRAPPER = '''
class MixtureWrapper:
    def __init__(self, model, ref_model):
        self.model = model
        self.ref_model = ref_model

    @torch.inference_mode()
    def forward(self, x):
        return 0.5 * (self.model(x) + self.ref_model(x))

    @torch.no_grad()
    def sample(self, x):
        return self.model(x).argmax(1)


def build():
    wrapper = MixtureWrapper(WithDropout(), WithDropout())
    wrapper.model.train()
    return wrapper
'''


def test_the_models_a_wrapper_forward_holds_follow_whoever_runs_the_wrapper(tmp_path):
    # TRL's GeometricMixtureWrapper (a GenerationMixin, not an nn.Module): its forward runs the
    # two models it was handed; generate() runs it in the caller's mode. Its own no-grad
    # sampling method is still checked.
    assert nnl502_lines(tmp_path, CLASSES + WRAPPER) == ["return self.model(x).argmax(1)"]
