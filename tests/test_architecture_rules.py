"""NNL401/NNL402 beyond their examples: the max-depth option through the engine and the CLI,
and the architecture facts the rules read."""

from __future__ import annotations

import textwrap

from click.testing import CliRunner

from nnlint.cli import cli
from nnlint.lint import lint_source

# Twelve Linear+ReLU pairs: deeper than the default max-depth of 10.
TWELVE = textwrap.dedent("""\
    import torch.nn as nn

    model = nn.Sequential(*[m for _ in range(12) for m in (nn.Linear(64, 64), nn.ReLU())])
    """)


def _codes(source: str, options=None) -> list[str]:
    return [d.code for d in lint_source(source.encode(), "m.py", {"NNL401", "NNL402"}, options)]


def test_default_max_depth_reports_twelve_plain_layers():
    assert _codes(TWELVE) == ["NNL402"]


def test_max_depth_option_is_passed_to_the_rule():
    assert _codes(TWELVE, {"NNL402": {"max-depth": 12}}) == []
    assert _codes(TWELVE, {"NNL402": {"max-depth": 11}}) == ["NNL402"]


def test_kaiming_init_doubles_the_allowed_depth():
    source = TWELVE + "for m in model.modules():\n    nn.init.kaiming_normal_(m.weight)\n"
    assert _codes(source) == []


def _run(tmp_path, config: str):
    (tmp_path / "pyproject.toml").write_text(config)
    (tmp_path / "m.py").write_text(TWELVE)
    return CliRunner().invoke(cli, ["check", str(tmp_path / "m.py"), "--select", "NNL402"])


def test_max_depth_in_pyproject_changes_the_result(tmp_path):
    found = _run(tmp_path, "[tool.nnlint]\n")
    assert found.exit_code == 1 and "NNL402" in found.output
    raised = _run(tmp_path, "[tool.nnlint.rules.NNL402]\nmax-depth = 20\n")
    assert raised.exit_code == 0, raised.output


def test_unknown_option_is_an_error_naming_it(tmp_path):
    result = _run(tmp_path, "[tool.nnlint.rules.NNL402]\nmax_depth = 20\n")
    assert result.exit_code == 2
    assert "max_depth" in result.output and "max-depth" in result.output


def test_wrong_option_type_is_an_error(tmp_path):
    result = _run(tmp_path, "[tool.nnlint.rules.NNL402]\nmax-depth = \"deep\"\n")
    assert result.exit_code == 2 and "max-depth" in result.output


def test_out_of_range_option_is_an_error(tmp_path):
    result = _run(tmp_path, "[tool.nnlint.rules.NNL402]\nmax-depth = -3\n")
    assert result.exit_code == 2
    assert result.output == (f"nnlint: error: option 'max-depth' in [tool.nnlint.rules.NNL402] of "
                             f"{tmp_path / 'pyproject.toml'} must be a positive number, not -3\n")


def test_forward_stack_and_skip_facts():
    import libcst as cst

    from nnlint.analysis import analyze

    source = textwrap.dedent("""\
        import torch.nn as nn
        import torch.nn.functional as F

        class Block(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.conv1 = nn.Conv2d(c, c, 3)
                self.conv2 = nn.Conv2d(c, c, 3)

            def forward(self, x):
                out = self.conv2(F.relu(self.conv1(x)))
                return F.relu(out + x)
        """)
    facts = analyze(cst.parse_module(source), "m.py")
    (sequence,) = [s for s in facts.architecture.sequences if s.origin == "forward"]
    assert sequence.owner == "Block" and sequence.has_skip
    assert [step.kind for step in sequence.steps] == ["weight", "activation", "weight", "merge", "activation"]
    assert [step.attr for step in sequence.steps if step.kind == "weight"] == ["conv1", "conv2"]


def _sequentials_and_evaluations(source: str, monkeypatch) -> tuple[list[int], dict[str, int]]:
    import libcst as cst

    from nnlint.analysis import analyze
    from nnlint.analysis.architecture.statements import StatementEvaluator

    evaluated: dict[str, int] = {}
    evaluate = StatementEvaluator._evaluate_call

    def counting(self, function, *args):
        evaluated[function.name.value] = evaluated.get(function.name.value, 0) + 1
        return evaluate(self, function, *args)

    monkeypatch.setattr(StatementEvaluator, "_evaluate_call", counting)
    facts = analyze(cst.parse_module(textwrap.dedent(source)), "m.py")
    lengths = [len(s.steps) for s in facts.architecture.sequences if s.origin == "Sequential"]
    return lengths, evaluated


def test_a_helper_that_changes_nothing_is_evaluated_once_per_arguments(monkeypatch):
    _, evaluated = _sequentials_and_evaluations("""\
        import torch

        def loss_of(model, x):
            y = model(x)
            if y.is_cuda:
                y = y.cpu()
            return (y - 1).pow(2).sum()

        def train(model, x):
            for _ in range(50):
                loss_of(model, x).backward()
        """, monkeypatch)
    # Once on its own, once called from train (then remembered for the other 49 calls).
    assert evaluated["loss_of"] == 2


def test_a_helper_that_builds_layers_is_evaluated_at_every_call(monkeypatch):
    lengths, evaluated = _sequentials_and_evaluations("""\
        import torch.nn as nn

        def block(n):
            return nn.Sequential(nn.Linear(n, n), nn.ReLU())

        def stem(layers, n):
            layers.append(nn.Linear(n, n))

        def build():
            layers = []
            for _ in range(3):
                block(8)
                stem(layers, 8)
            return nn.Sequential(*layers)
        """, monkeypatch)
    assert evaluated["block"] == 1 + 3 and evaluated["stem"] == 1 + 3
    assert sorted(lengths) == [2, 2, 2, 2, 3]  # block alone and at each call; build with 3 Linear


def test_a_helper_reading_a_module_list_is_evaluated_at_every_call(monkeypatch):
    _, evaluated = _sequentials_and_evaluations("""\
        import torch.nn as nn

        WIDTHS = [nn.Linear(4, 4)]

        def count():
            n = len(WIDTHS)

        def build():
            for _ in range(4):
                count()
                WIDTHS.append(nn.ReLU())
        """, monkeypatch)
    assert evaluated["count"] == 1 + 4
