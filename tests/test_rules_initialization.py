"""Initialization rules on flows the rules' own examples do not show: init functions nested
in a method and given to `self.apply`, staticmethod initializers, and the facts' verdicts."""

from __future__ import annotations

import libcst as cst

from nnlint.analysis import analyze
from nnlint.lint import lint_source

NESTED_APPLY = """\
import torch.nn as nn

class Up(nn.Module):
    def __init__(self, a, b):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(a, b, 3), nn.ReLU(), nn.Conv2d(b, b, 3))

class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.up1 = Up(64, 32)
        self.outc = nn.Conv2d(32, 3, 1)
        self.init_weights()

    def init_weights(self):
        def weight_init(m):
            if isinstance(m, nn.Conv2d):
                nn.init.constant_(m.weight, 0)
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0)
        self.apply(weight_init)

class Block(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.linear1 = nn.Linear(c_in, c_out)
        self.linear2 = nn.Linear(c_out, c_out)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 0)
            nn.init.constant_(m.bias, 0)
"""


def _codes_by_line(source: str, code: str) -> list[int]:
    return [d.start.line for d in lint_source(source.encode(), "m.py", {code}) if d.code == code]


def test_apply_functions_nested_and_static():
    assert _codes_by_line(NESTED_APPLY, "NNL301") == [18, 33]


def test_facts_keep_deliberate_single_layer_inits_as_not_symmetric():
    source = """\
import torch.nn as nn

class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2))
        nn.init.zeros_(self.body[4].weight)
        nn.init.zeros_(self.body[0].weight)
"""
    facts = analyze(cst.parse_module(source), "m.py")
    inits = {init.target: init for init in facts.initialization.constant_inits}
    # Two zero layers, but not next to each other: a random layer separates them.
    assert set(inits) == {"self.body[4].weight", "self.body[0].weight"}
    assert not any(init.symmetric for init in inits.values())
    assert _codes_by_line(source, "NNL301") == []


def test_parameter_loop_over_a_known_network_is_reported_but_not_a_generic_helper():
    source = """\
import torch
import torch.nn as nn

net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
for p in net.parameters():
    p.data.fill_(0.5)

def zero_module(module):
    for p in module.parameters():
        p.detach().zero_()
    return module
"""
    assert _codes_by_line(source, "NNL301") == [6]


LISTED_LAYERS = """\
import torch
import torch.nn as nn

a = nn.Linear(1, 10)
b = nn.Linear(10, 10)
c = nn.Linear(10, 1)
for layer in [a, b, c]:
    layer.weight.data = torch.ones_like(layer.weight)
for layer in [c]:
    nn.init.zeros_(layer.weight)
for layer in (a, b):
    layer.bias.data = torch.zeros_like(layer.bias)
"""


def test_a_loop_over_a_list_of_layers_sets_each_of_them():
    # Every listed layer set to ones is symmetric; a single listed layer (a zero-initialized
    # output layer) and constant biases are not.
    assert _codes_by_line(LISTED_LAYERS, "NNL301") == [8]
