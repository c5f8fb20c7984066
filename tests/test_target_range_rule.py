"""NNL110 beyond its examples: which target preparations are followed, and NNL105's overlap."""

from __future__ import annotations

import textwrap

from nnlint.lint import lint_source

HEAD = """\
    import numpy as np
    import torch
    import torch.nn as nn
    from sklearn.preprocessing import MinMaxScaler, MaxAbsScaler

    model = nn.Sequential(nn.Linear(4, 1), {activation})
    """


def _codes(activation: str, preparation: str, selected=("NNL110", "NNL105")) -> list[str]:
    source = textwrap.dedent(HEAD.format(activation=activation)) + textwrap.dedent(preparation) + \
        "loss = nn.MSELoss()(model(x), y)\n"
    return sorted(d.code for d in lint_source(source.encode(), "m.py", set(selected), None))


def test_a_relu_under_standardized_targets_is_reported_once_by_nnl110():
    assert _codes("nn.ReLU()", "y = (t - t.mean()) / t.std()\n") == ["NNL110"]


def test_a_relu_with_unseen_targets_stays_nnl105s():
    assert _codes("nn.ReLU()", "y = load_targets()\n") == ["NNL105"]


def test_minmax_to_minus_one_one_breaks_a_sigmoid_but_not_a_tanh():
    prep = "y = torch.tensor(MinMaxScaler(feature_range=(-1, 1)).fit_transform(t)).float()\n"
    assert _codes("nn.Sigmoid()", prep) == ["NNL110"]
    assert _codes("nn.Tanh()", prep) == []
    assert _codes("nn.Sigmoid()", "scaler = MaxAbsScaler()\ny = scaler.transform(t)\n") == ["NNL110"]


def test_the_last_binding_before_the_loss_decides():
    prep = "y = np.log(t)\ny = (y - y.min()) / (y.max() - y.min())\n"
    assert _codes("nn.Sigmoid()", prep) == []
    assert _codes("nn.Sigmoid()", "y = t.log1p().view(-1, 1)\n") == ["NNL110"]
