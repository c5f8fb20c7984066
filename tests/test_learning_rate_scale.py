"""NNL601 compares an adaptive optimizer's step with the weights it trains: the largest
fan-in of the optimizer's model (nnlint.analysis.training.fan_in) against the rate."""

from __future__ import annotations

import textwrap

import libcst as cst

from nnlint.analysis import analyze
from nnlint.lint import lint_source


def _fan_ins(source: str) -> list:
    facts = analyze(cst.parse_module(textwrap.dedent(source)), "m.py")
    return [optimizer.largest_fan_in for optimizer in facts.training.optimizers]


def _codes(source: str) -> list[str]:
    return [d.code for d in lint_source(textwrap.dedent(source).encode(), "m.py", {"NNL601"})]


def test_fan_in_of_linear_conv_and_recurrent_layers_written_as_numbers():
    assert _fan_ins("""\
        import torch
        import torch.nn as nn
        HIDDEN = 256
        mlp = nn.Sequential(nn.Linear(28 * 28, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 10))
        cnn = nn.Sequential(nn.Conv2d(64, 128, 3), nn.Conv2d(128, 8, kernel_size=(1, 5)))
        rnn = nn.LSTM(32, hidden_size=1150)
        a = torch.optim.Adam(mlp.parameters(), lr=1e-3)
        b = torch.optim.Adam(cnn.parameters(), lr=1e-3)
        c = torch.optim.Adam(rnn.parameters(), lr=1e-3)
        """) == [784, 128 * 1 * 5, 1150]


def test_fan_in_follows_classes_of_the_file_and_self():
    assert _fan_ins("""\
        import torch
        import torch.nn as nn

        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(2048, 10)

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.stem = nn.Linear(3, 64)
                self.block = Block()

            def configure_optimizers(self):
                return torch.optim.Adam(self.parameters(), lr=1e-3)

        net = Net()
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
        """) == [2048, 2048]


def test_fan_in_is_unknown_when_a_size_is_an_argument_or_the_model_is_rebound():
    assert _fan_ins("""\
        import torch
        import torch.nn as nn

        def build(width):
            model = nn.Sequential(nn.Linear(width, 10))
            return torch.optim.Adam(model.parameters(), lr=1e-3)

        net = nn.Linear(4, 2)
        net = nn.Linear(4096, 2)
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
        """) == [None, None]


WIDE = """\
    import torch
    import torch.nn as nn
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    """


def test_adam_is_reported_when_its_step_is_larger_than_the_widest_layers_weights():
    # fan-in 784: weights ~1/28 = 0.036. Steps of 0.05 wipe them out, 0.02 do not.
    assert _codes(WIDE.replace("LR", "0.05")) == ["NNL601"]
    assert _codes(WIDE.replace("LR", "0.02")) == []
    # Below 1e-2 an adaptive rate is never reported, however wide the layer.
    assert _codes(WIDE.replace("784", "1000000").replace("LR", "0.005")) == []


def test_small_models_at_high_adam_rates_are_not_reported_but_sgd_scale_rates_are():
    tiny = """\
        import torch
        model = torch.nn.Linear(1, 1)
        optimizer = torch.optim.Adam(model.parameters(), lr=LR)
        """
    assert _codes(tiny.replace("LR", "0.1")) == []
    assert _codes(tiny.replace("LR", "1.0")) == []  # fan-in 1: weights ~1, steps of 1
    unknown = """\
        import torch
        def make(model):
            return torch.optim.Adam(model.parameters(), lr=LR)
        """
    assert _codes(unknown.replace("LR", "0.1")) == []
    assert _codes(unknown.replace("LR", "1.0")) == ["NNL601"]  # an SGD-scale rate: larger than any weight
    assert _codes(unknown.replace("LR", "1e3")) == ["NNL601"]  # 1e-3 written 1e3


def test_sgd_is_reported_only_beyond_every_published_recipe():
    sgd = """\
        import torch
        def make(head):
            return torch.optim.SGD(head.parameters(), lr=LR, momentum=0.9)
        """
    assert _codes(sgd.replace("LR", "30.0")) == []   # MoCo's linear probe
    assert _codes(sgd.replace("LR", "20")) == []     # the word language model
    assert _codes(sgd.replace("LR", "1000")) == ["NNL601"]
    assert _codes(sgd.replace("LR", "1e-8")) == ["NNL601"]


def test_inputs_listed_with_the_values_of_a_dict_are_not_a_network():
    assert _codes("""\
        import torch
        def project(w_avg, noise_bufs):
            w_opt = w_avg.clone().requires_grad_(True)
            return torch.optim.Adam([w_opt] + list(noise_bufs.values()), lr=5.0)
        """) == []
