"""The same class body gets the same findings whatever its base: `nn.Module`, a project base
class in another file (empty, with a shared helper, or two levels up across files), or a
LightningModule (issue 12, first "Done when"), for every rule family.

Generated from the rules' own examples: every valid and invalid example that defines a class
on `nn.Module` is linted as a one-file project, then with the class's base replaced and the
base defined in other files of the project; the findings in the model file (codes and
lines, shifted by the one import line added) must be the same.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from nnlint.rules import all_rules
from nnlint.runner import ProjectRun

_MODULE_BASE = re.compile(r"^(\s*class\s+\w+\s*\()\s*(?:torch\.)?nn\.Module\s*(\))", re.M)
_BASE = "import torch.nn as nn\n\n\nclass BaseModel(nn.Module):\n    pass\n"
_HELPER_BASE = """\
import torch.nn as nn


class BaseModel(nn.Module):
    def num_parameters(self):
        return sum(p.numel() for p in self.parameters())

    def freeze(self):
        for p in self.parameters():
            p.requires_grad_(False)
"""
# Two levels, the middle one in a file that never mentions torch (nnlint skips it unparsed).
_ROOT = "import torch.nn as nn\n\n\nclass Root(nn.Module):\n    pass\n"
_MIDDLE = "from root import Root\n\n\nclass BaseModel(Root):\n    pass\n"

# variant -> (replacement base, import line, other files of the project)
VARIANTS = {
    "project base": ("BaseModel", "from base import BaseModel", {"base.py": _BASE}),
    "project base with helpers": ("BaseModel", "from base import BaseModel", {"base.py": _HELPER_BASE}),
    "two-level chain": ("BaseModel", "from mid import BaseModel", {"root.py": _ROOT, "mid.py": _MIDDLE}),
    "pl.LightningModule": ("pl.LightningModule", "import pytorch_lightning as pl", {}),
    "L.LightningModule": ("L.LightningModule", "import lightning as L", {}),
}


def _with_base(snippet: str, base: str, import_line: str) -> str:
    lines = _MODULE_BASE.sub(rf"\g<1>{base}\g<2>", snippet).splitlines(keepends=True)
    at = 0
    while at < len(lines) and lines[at].startswith("from __future__"):
        at += 1
    return "".join(lines[:at] + [import_line + "\n"] + lines[at:])


def _findings(root: Path, files: dict[str, str], code: str, shift: int) -> list[tuple[int, str]]:
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    labels = ["model.py", *sorted(name for name in files if name != "model.py")]
    previous = os.getcwd()
    os.chdir(root)
    try:
        run = ProjectRun(root, lambda _: frozenset({code}), {}, None, 1).check([(label, None) for label in labels])
    finally:
        os.chdir(previous)
    assert not run.internal_errors, run.internal_errors
    return sorted((d.start.line - shift, d.code) for d in run.diagnostics if d.path == "model.py")


EXAMPLES = [
    pytest.param(rule.code, snippet, id=f"{rule.code}-{kind}-{index}")
    for rule in all_rules() if not rule.dynamic_only
    for kind in ("valid", "invalid")
    for index, snippet in enumerate(getattr(rule, kind))
    if _MODULE_BASE.search(snippet)
]


def test_the_examples_cover_every_static_rule_family():
    families = {param.values[0][:4] for param in EXAMPLES}
    assert {"NNL1", "NNL2", "NNL3", "NNL4", "NNL5", "NNL6"} <= families
    assert len(EXAMPLES) > 60


@pytest.mark.parametrize(("code", "snippet"), EXAMPLES)
def test_same_body_same_findings(tmp_path: Path, code: str, snippet: str):
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    expected = _findings(plain, {"model.py": snippet}, code, 0)
    divergent = {}
    for variant, (base, import_line, others) in VARIANTS.items():
        root = tmp_path / re.sub(r"\W+", "_", variant)
        root.mkdir()
        (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
        found = _findings(root, {"model.py": _with_base(snippet, base, import_line), **others}, code, 1)
        if found != expected:
            divergent[variant] = found
    assert not divergent, f"with nn.Module: {expected}; otherwise: {divergent}"


def test_a_project_base_that_is_no_module_changes_nothing(tmp_path: Path):
    # The join must not turn a Dataset subclass (a project base on torch's Dataset) into a model.
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    files = {
        "base.py": "import torch\nfrom torch.utils.data import Dataset\n\n\nclass BaseSet(Dataset):\n    pass\n",
        "model.py": "import torch\nimport torch.nn as nn\nfrom base import BaseSet\n\n\nclass Pairs(BaseSet):\n"
                    "    def __init__(self):\n        self.encoders = [nn.Linear(2, 2)]\n"
                    "        self.scale = torch.ones(3)\n",
    }
    assert _findings(tmp_path, files, "NNL302", 0) == []
    assert _findings(tmp_path, files, "NNL303", 0) == []
    files["base.py"] = files["base.py"].replace("(Dataset)", "(torch.nn.Module)")
    assert _findings(tmp_path, files, "NNL302", 0) == [(8, "NNL302")]
