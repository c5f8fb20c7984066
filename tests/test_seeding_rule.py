"""NNL612 (opt-in) beyond its examples: what counts as a run, and what counts as seeding."""

from __future__ import annotations

import textwrap

from nnlint.lint import lint_source
from nnlint.selection import default_codes

LOOP = """\
    import torch
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.Adam(model.parameters())
    torch.save(model.state_dict(), "model.pt")
    """


def _lines(source: str, path: str = "train.py") -> list[int]:
    found = lint_source(textwrap.dedent(source).encode(), path, {"NNL612"}, None)
    return [d.start.line for d in found if d.code == "NNL612"]


def test_a_module_level_run_is_reported_once_at_its_first_optimizer():
    assert _lines(LOOP + "other = torch.optim.SGD(model.parameters(), lr=0.1)\n") == [3]


def test_test_files_and_test_functions_are_not_runs():
    assert _lines(LOOP, "tests/test_training.py") == []
    assert _lines("""\
        import torch

        def test_step():
            optimizer = torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=0.1)

        if __name__ == "__main__":
            test_step()
        """) == []


def test_a_library_function_without_a_main_guard_is_not_a_run():
    assert _lines("""\
        import torch

        def fit_linear(x, y):
            model = torch.nn.Linear(x.shape[1], 1)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            return model
        """) == []


def test_a_seed_variable_a_seed_argument_or_transformers_trainer_count_as_seeded():
    assert _lines("SEED = 3\n" + textwrap.dedent(LOOP)) == []
    assert _lines(LOOP + "args = make_args(seed=7)\n") == []
    assert _lines("""\
        import torch
        from transformers import Trainer
        trainer = Trainer(model=torch.nn.Linear(2, 2))
        trainer.train()
        """) == []


def test_the_rule_is_off_unless_selected():
    assert "NNL612" not in default_codes()
    found = lint_source(textwrap.dedent(LOOP).encode(), "train.py", set(default_codes()), None)
    assert all(d.code != "NNL612" for d in found)


def test_a_run_with_nothing_kept_evaluated_or_measured_is_not_reported():
    bare = LOOP.rstrip(" ").replace('    torch.save(model.state_dict(), "model.pt")\n', "    print(model(torch.ones(1, 2)).sum())\n")
    assert _lines(bare) == []  # prints an output: a demo, nothing to reproduce
    assert _lines(bare + "    model.eval()\n") == [3]  # evaluates the model
    assert _lines(bare + "    num_correct = (model(x).argmax(1) == y).sum()\n") == [3]  # a metric
    assert _lines(bare + "    val_acc = run(model)\n") == [3]
    assert _lines(bare + "    def evaluate(m):\n        return m\n") == [3]  # an evaluation function
    assert _lines(bare + "    score = accuracy_score(y, pred)\n") == [3]  # a metric function
    # Words inside longer names do not count: an accelerator, an accumulation step.
    assert _lines(bare + "    accelerator = Accelerator()\n    accum_steps = 4\n") == []
