"""Every compound statement Python has, in places model code rarely puts it: linting must
not raise (an exception here is an internal error the user sees as exit status 2)."""

from __future__ import annotations

import textwrap

import pytest

from nnlint.lint import lint_source
from nnlint.rules import all_rules

ALL_CODES = frozenset(rule.code for rule in all_rules())

SOURCES = {
    "definitions inside match cases": """
        import torch
        import torch.nn as nn
        match mode:
            case "train":
                class Net(nn.Module):
                    def __init__(self):
                        super().__init__()
                        self.layers = [nn.Linear(2, 2)]
                        nn.init.zeros_(self.layers[0].weight)
                    def forward(self, x):
                        return torch.softmax(x)
            case {"lr": lr} if lr > 1:
                def f(y):
                    return torch.log(y)
            case _:
                pass
        """,
    "async, except*, walrus, lambdas, decorators": """
        import torch
        import torch.nn.functional as F

        @torch.no_grad()
        async def g(stream):
            async with stream as s:
                async for i in s:
                    if (n := i.norm()) > 0:
                        yield torch.sqrt((i ** 2).sum()) / n
            try:
                pass
            except* ValueError:
                loss = F.cross_entropy(F.softmax(i), y)
            finally:
                f = lambda t: torch.log(t)
        """,
    "global, nonlocal, del, star targets, nested comprehensions": """
        import torch
        total = 0
        def outer(xs):
            global total
            acc = []
            def inner():
                nonlocal acc
                first, *rest = xs
                del first
                return [[torch.log(p) for p in row if p is not None] for row in rest]
            return inner()
        """,
}


@pytest.mark.parametrize("source", SOURCES.values(), ids=SOURCES.keys())
def test_linting_unusual_statements_does_not_raise(source: str) -> None:
    lint_source(textwrap.dedent(source).encode(), "unusual.py", set(ALL_CODES))
