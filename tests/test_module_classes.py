"""One answer to "is this class an nn.Module", whatever its base is and wherever it is written.

The same class body must get the same findings whether it subclasses `nn.Module`, a project
base class defined in another file, a LightningModule or a torch.nn layer class.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BODY = '''
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 20)
        self.fc2 = nn.Linear(20, 5)
        self.blocks = [nn.Linear(5, 5)]

    def forward(self, x):
        return torch.softmax(self.fc2(self.fc1(x)), dim=1)


model = Net()
loss = nn.CrossEntropyLoss()(model(torch.randn(2, 10)), torch.tensor([0, 1]))
'''
HEADER = "import torch\nimport torch.nn as nn\nimport pytorch_lightning as pl\nfrom pkg.base import BaseModel\n\n"
BASE = "import torch.nn as nn\n\n\nclass BaseModel(nn.Module):\n    pass\n"


def codes(root: Path, name: str) -> list[str]:
    # NNL302, NNL401 and NNL502 are opt-in; the classes they read are what is compared here.
    done = subprocess.run([sys.executable, "-m", "nnlint", "check", "--isolated", "--no-cache",
                           "--extend-select", "NNL302,NNL401,NNL502", name],
                          cwd=root, capture_output=True, text=True, check=False)
    return sorted(line.split()[1] for line in done.stdout.splitlines() if line.startswith(name + ":"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "base.py").write_text(BASE)
    return tmp_path


@pytest.mark.parametrize("base", ["BaseModel", "pl.LightningModule", "SomeLibraryModel"])
def test_a_class_body_gets_the_findings_of_an_nn_module_subclass(project, base):
    (project / "plain.py").write_text(HEADER + "class Net(nn.Module):" + BODY)
    (project / "other.py").write_text(HEADER + f"class Net({base}):" + BODY)
    expected = codes(project, "plain.py")
    assert {"NNL101", "NNL302", "NNL401"} <= set(expected)
    assert codes(project, "other.py") == expected


@pytest.mark.parametrize("base", ["Dataset", "object", "ABC"])
def test_a_class_with_layers_but_a_base_that_is_no_module_is_not_a_model(project, base):
    text = HEADER.replace("import pytorch_lightning as pl\n", "from abc import ABC\nfrom torch.utils.data import Dataset\n")
    (project / "data.py").write_text(text + f"class Net({base}):" + BODY.replace("super().__init__()", "pass"))
    assert "NNL302" not in codes(project, "data.py")


def test_a_subclass_of_a_torch_layer_is_the_layer(project):
    # The dropout sits in a subclass of nn.Linear: the model holding it needs eval().
    (project / "net.py").write_text('''import torch
import torch.nn as nn


class DropLinear(nn.Linear):
    def __init__(self, d_in, d_out):
        super().__init__(d_in, d_out)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        return super().forward(self.drop(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.LayerNorm(8)
        self.fc = DropLinear(8, 2)

    def forward(self, x):
        return self.fc(self.a(x))


def train(model, loader, optimizer):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()


def evaluate(model, loader):
    with torch.no_grad():
        return sum((model(x).argmax(1) == y).sum().item() for x, y in loader)


model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
train(model, [], optimizer)
print(evaluate(model, []))
''')
    assert "NNL502" in codes(project, "net.py")
