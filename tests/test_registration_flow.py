"""Layers and parameters followed through the program model into NNL302/NNL303/NNL304 and
NNL401: appends to a list attribute, local names in a tuple, `getattr(nn, name)`, helpers,
registration by `add_module`/`setattr`, copies of a Parameter, conditional expressions, and
layer stacks through `torch.cat` and refinement loops."""

from __future__ import annotations

from nnlint.lint import lint_source


def _lines(source: str, code: str) -> list[int]:
    return sorted(d.start.line for d in lint_source(source.encode(), "m.py", {code}) if d.code == code)


APPENDS = """\
import torch.nn as nn

def block(d):
    return nn.Linear(d, d)

class A(nn.Module):
    def __init__(self, d, n, kind="Linear"):
        super().__init__()
        self.hidden = []
        for _ in range(n):
            self.hidden.append(getattr(nn, kind)(d, d))

class B(nn.Module):
    def __init__(self, d):
        super().__init__()
        body = nn.Sequential(nn.Linear(d, d), nn.ReLU())
        head = nn.Linear(d, 1)
        self.parts = (body, head)

class C(nn.Module):
    def __init__(self, d, n):
        super().__init__()
        self.blocks = []
        self.blocks.extend(block(d) for _ in range(n))
"""


def test_layers_reaching_a_plain_list_attribute_are_reported() -> None:
    assert _lines(APPENDS, "NNL302") == [9, 18, 23]


REGISTERED = """\
import torch.nn as nn

class A(nn.Module):
    def __init__(self, d, n, act="ReLU"):
        super().__init__()
        self.layers = nn.ModuleList()
        self.index = []
        for i in range(n):
            layer = nn.Linear(d, d)
            self.layers.append(layer)
            self.index.append(layer)
        self.named = []
        for i in range(n):
            layer = nn.Linear(d, d)
            setattr(self, f"fc{i}", layer)
            self.named.append(layer)
        self.added = []
        for i, layer in enumerate([nn.Linear(d, d), nn.Linear(d, d)]):
            self.add_module(str(i), layer)
            self.added.append(layer)
        self.acts = [getattr(nn, act)()]

class Holder(nn.Module):
    def __init__(self, encoder, decoder):
        super().__init__()
        self.parts = []
        self.parts.append(encoder)  # built by the caller, who may register it
        self.parts.append(decoder)

model = Holder(nn.Linear(4, 4), nn.Linear(4, 4))
"""


def test_layers_registered_another_way_or_passed_in_are_not_reported() -> None:
    assert _lines(REGISTERED, "NNL302") == []


COPIES = """\
import torch
import torch.nn as nn

class A(nn.Module):
    def __init__(self, n, device="cuda"):
        super().__init__()
        self.a = nn.Parameter(torch.randn(n)).to(device)
        self.b = nn.Parameter(torch.randn(n)).cuda()
        self.c = nn.Parameter(torch.randn(n, n)) * 0.01
        self.d = nn.Parameter(torch.randn(n).to(device))
        self.e = nn.Parameter(torch.randn(n, device=device))
        self.f = nn.Parameter(torch.randn(n)).requires_grad_(False)
        self.g = nn.Parameter(torch.ones(n)).float()  # already float32: the Parameter itself
        self.h = nn.Parameter(torch.ones(n)).double()

    def forward(self, x):
        return x * self.a + self.b + self.d + self.e + self.f + self.g + self.h
"""


def test_a_parameter_moved_or_computed_with_is_a_plain_tensor() -> None:
    assert _lines(COPIES, "NNL303") == [7, 8, 9, 14]


CONDITIONAL = """\
import torch
import torch.nn as nn

class A(nn.Module):
    def __init__(self, n, bias=True):
        super().__init__()
        self.bias = nn.Parameter(torch.empty(n)) if bias else None

class B(nn.Module):
    def __init__(self, n, bias=True):
        super().__init__()
        self.bias = nn.Parameter(torch.empty(n)) if bias else None
        if self.bias is not None:
            nn.init.zeros_(self.bias)
"""


def test_an_uninitialized_parameter_in_a_conditional_expression() -> None:
    assert _lines(CONDITIONAL, "NNL304") == [7]


STACKS = """\
import torch
import torch.nn as nn

class Cat(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 20)
        self.fc2 = nn.Linear(20, 5)

    def forward(self, x, s):
        return self.fc2(self.fc1(torch.cat([x, s], dim=1)))

class Refine(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 20)
        self.drop = nn.Dropout()
        self.fc2 = nn.Linear(20, 5)
        self.head_a = nn.Linear(5, 5)
        self.head_b = nn.Linear(5, 5)

    def forward(self, x, p, n_iter=3):
        for _ in range(n_iter):
            h = self.drop(self.fc2(self.drop(self.fc1(torch.cat([x, p], 1)))))
            p = self.head_a(h) + p
            q = self.head_b(h)
        return p, q

class Fine(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 20)
        self.fc2 = nn.Linear(20, 5)

    def forward(self, x, s):
        return self.fc2(torch.relu(self.fc1(torch.cat([x, s], dim=1))))
"""


def test_linear_stacks_through_concatenation_and_refinement_loops() -> None:
    # The heads read a shared (dropped-out) output: not reported with each head.
    assert _lines(STACKS, "NNL401") == [11, 24]


BY_NAME = """\
import torch
import torch.nn as nn

def make_head(d, n, act):
    if act == "softmax":
        return nn.Sequential(nn.Linear(d, n), nn.Softmax(dim=1))
    return nn.Linear(d, n)

class Net(nn.Module):
    def __init__(self, d, n, final=nn.Softmax):
        super().__init__()
        self.fc = nn.Linear(d, n)
        self.final = final(dim=1) if final is not None else None

    def forward(self, x):
        x = self.fc(x)
        if self.final is not None:
            x = self.final(x)
        return x

criterion = nn.CrossEntropyLoss()
head = make_head(8, 3, {choice!r})
loss = criterion(head(torch.randn(4, 8)), torch.tensor([0, 1, 2, 0]))
net = Net(8, 3, final={final})
loss = criterion(net(torch.randn(4, 8)), torch.tensor([0, 1, 2, 0]))
"""


def test_branches_on_the_strings_and_classes_callers_pass() -> None:
    assert _lines(BY_NAME.format(choice="softmax", final="nn.Softmax"), "NNL101") == [6, 13]
    assert _lines(BY_NAME.format(choice="linear", final="None"), "NNL101") == []


UNCALLED = """\
import torch
import torch.nn as nn

head = nn.Linear(8, 3)

def step_loss(x, y, act="softmax"):
    if act == "softmax":
        out = torch.softmax(head(x), dim=1)
    else:
        out = head(x)
    return nn.CrossEntropyLoss()(out, y)
"""


def test_a_default_no_caller_of_the_file_chooses_decides_no_branch() -> None:
    # Other files may call step_loss(out, y, act="none"): the default alone decides nothing.
    assert _lines(UNCALLED, "NNL101") == []
    called = UNCALLED + "\nloss = step_loss(torch.randn(4, 8), torch.tensor([0, 1, 2, 0]))\n"
    assert _lines(called, "NNL101") == [8]


SCORE_VECTORS = """\
import torch
import torch.nn as nn

class Attention(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.attn = nn.Linear(2 * d, d)
        self.v = torch.rand(d)
        self.u = torch.FloatTensor(d)
        self.total = torch.ones(d)
        self.kept = nn.Parameter(torch.rand(d))

    def forward(self, energy):
        return torch.matmul(energy, self.v) + energy @ self.u + energy @ self.total + energy @ self.kept
"""


def test_a_drawn_vector_multiplied_into_a_matrix_is_a_weight() -> None:
    # An attention score vector `v` drawn at random (or left uninitialized) and used in a
    # matmul is a weight the optimizer never sees; a vector of ones there sums, and an
    # nn.Parameter is registered.
    assert _lines(SCORE_VECTORS, "NNL303") == [8, 9]
