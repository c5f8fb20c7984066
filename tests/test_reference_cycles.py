"""A checked file's syntax tree and analysis values are freed by reference counting.

The cycle collector is paused while a file is checked (lint._without_cycle_collection); what
the file left in reference cycles is walked by the next collection, and a cycle reaching a
libcst node keeps the whole tree alive until then (two million objects over timm).
"""

from __future__ import annotations

import collections
import gc
import pathlib
from typing import Iterator

import libcst as cst
import pytest

from nnlint.analysis.program.literals import literal_value
from nnlint.lint import check_source
from nnlint.rules import all_rules

_FIXTURE = pathlib.Path(__file__).parent.parent / "benchmarks" / "fixtures" / "train_300_lines.py"

# What makes the interpreter's values refer to each other: a function calling itself and a
# nested one (closures holding FunctionRefs), classes with bases and methods (owners,
# lineage), modules built in functions and kept in attributes, literals of every kind.
_CYCLIC_SOURCE = r'''
import torch
import torch.nn as nn
import torch.nn.functional as F


def make_block(width, depth=2):
    if depth == 0:
        return nn.Identity()
    inner = make_block(width, depth - 1)

    def wrap(x):
        return inner(wrap_scale(x))

    def wrap_scale(x):
        return x * 0x10 + 1_000 + 1e-3 + 2j.imag
    return nn.Sequential(nn.Linear(width, width), nn.ReLU(), inner)


class Base(nn.Module):
    def __init__(self, width=64):
        super().__init__()
        self.block = make_block(width)
        self.layers = [nn.Linear(width, width) for _ in range(3)]
        self.register_buffer("scale", torch.ones(1))

    def forward(self, x):
        out = {"logits": self.block(x)}
        out[r"raw\d"] = x
        return out["logits"]


class Net(Base):
    def forward(self, x):
        return F.softmax(super().forward(x), dim=-1) / (x.sum() + 1e-8) - float("nan")


model = Net()
criterion = nn.NLLLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in []:
    loss = criterion(torch.log(model(x)), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
'''


def _unreachable_after(data: bytes, path: str) -> collections.Counter:
    """Types of the objects that only the cycle collector would free after checking the file."""
    selected = {rule.code for rule in all_rules()}
    check_source(data, path, selected)  # first: imports, memos filled once per process
    enabled = gc.isenabled()
    gc.disable()
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        check_source(data, path, selected)
        gc.disable()  # check_source enabled it again
        gc.collect()
        return collections.Counter(type(found).__qualname__ for found in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.collect()
        if enabled:
            gc.enable()


@pytest.mark.parametrize("path, data", [
    ("cyclic.py", _CYCLIC_SOURCE.encode()),
    ("train_300_lines.py", _FIXTURE.read_bytes()),
])
def test_checking_a_file_leaves_nothing_to_the_cycle_collector(path: str, data: bytes) -> None:
    assert _unreachable_after(data, path) == collections.Counter()


def _literals() -> Iterator[str]:
    yield from ["0", "00", "0x1F", "0o17", "0b101", "1_000", "10**0", "1.5", ".5", "5.", "1e400", "1_0.5e-3",
                "3j", "1.5J", "1_0j"]
    yield from ['""', "''", '""""""', "r''", 'r""', "r''''''", 'R"""a"b"""', "r'\\d'", "r'\\''", 'r"\\""',
                "r'a\\\\'", "r'''a\\\nb'''", "rb'\\x'", "Rb'x'", "br'x'", "b'\\x00'", "u'x'", "'\\N{BULLET}'",
                "'\\d'", "r'\\N{BULLET}'", "'''a\rb'''", "r'''a\rb'''", "r'''a\r\nb'''", "'é'", "r'é\\é'"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # `"\\d"`: CPython warns, as for the user's code
@pytest.mark.parametrize("literal", list(_literals()))
def test_literal_value_is_evaluated_value(literal: str) -> None:
    module = cst.parse_module(f"x = {literal}\n")
    node = module.body[0].body[0].value
    if type(node) is cst.BinaryOperation:  # `10**0`: not a token
        node = node.left
    assert isinstance(node, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString))
    expected = node.evaluated_value
    assert type(literal_value(node)) is type(expected)
    assert literal_value(node) == expected
