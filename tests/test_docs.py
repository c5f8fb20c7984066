"""docs/rules/ is generated from the rules by scripts/build_docs.py and must be up to date."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nnlint.rules import all_rules

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = PROJECT_ROOT / "docs" / "rules"
REBUILD = "run `python scripts/build_docs.py` and commit the result"

# In this order, as headings of their own, in every rule's documentation.
REQUIRED_SECTIONS = (
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## When to ignore it",
)


def _load_build_docs():
    spec = importlib.util.spec_from_file_location("build_docs", PROJECT_ROOT / "scripts" / "build_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_docs = _load_build_docs()
PAGES = build_docs.render_pages()
RULES = all_rules()


def test_the_script_writes_into_docs_rules():
    assert build_docs.RULES_DIR == RULES_DIR


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_is_up_to_date(name):
    path = RULES_DIR / name
    assert path.is_file(), f"docs/rules/{name} is missing: {REBUILD}"
    assert path.read_text(encoding="utf-8") == PAGES[name], f"docs/rules/{name} is out of date: {REBUILD}"


def test_every_rule_has_a_page_and_the_index_links_it():
    index = PAGES[build_docs.INDEX_NAME]
    for rule in RULES:
        assert f"{rule.code}.md" in PAGES
        assert f"[{rule.code}]({rule.code}.md)" in index


def test_no_stale_pages():
    stale = build_docs.stale_pages(RULES_DIR, PAGES)
    assert not stale, f"pages of codes that no longer exist: {[p.name for p in stale]}: {REBUILD}"


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_documentation_has_the_required_sections_in_order(rule):
    headings = [line.strip() for line in rule.documentation().splitlines() if line.startswith("## ")]
    missing = [section for section in REQUIRED_SECTIONS if section not in headings]
    assert not missing, f"{rule.code}'s docstring lacks the section(s) {missing}"
    order = [headings.index(section) for section in REQUIRED_SECTIONS]
    assert order == sorted(order), f"{rule.code}'s sections are not in the order {list(REQUIRED_SECTIONS)}"


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_rule_metadata_is_well_formed(rule):
    assert re.fullmatch(r"NNL[0-9]{3}", rule.code), rule.code
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), f"{rule.code}: name {rule.name!r} is not kebab-case"
    assert rule.summary.strip() and "\n" not in rule.summary, f"{rule.code}: summary must be one line"
    assert rule.documentation().startswith(f"# {rule.code}: {rule.name}\n")


def test_codes_and_names_are_unique():
    codes = [rule.code for rule in RULES]
    names = [rule.name for rule in RULES]
    assert len(set(codes)) == len(codes), codes
    assert len(set(names)) == len(names), names


# --- The console examples of README.md and docs/ are run, and must still print what they show.
#
# A ```console block whose `$ nnlint ...` commands are followed by output is run: from the
# repository root when it names the repository's own files, or in a scratch project built from
# EXAMPLE_PROJECTS when it shows an illustrative project. Every shown output line (`...` stands
# for any text) must be a line the command prints. A new block with output must be added to one
# of the two tables below, so an example cannot go stale unnoticed.

CONSOLE_DOCS = ("README.md", "examples/README.md", *sorted(
    p.relative_to(PROJECT_ROOT).as_posix() for p in (PROJECT_ROOT / "docs").glob("*.md")))
CONSOLE_BLOCK = re.compile(r"^```console\n(.*?)^```", re.MULTILINE | re.DOTALL)

_CROSS_FILE_PROJECT = {
    "pkg/models/net.py": """\
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        logits = self.fc(x.flatten(1))
        return torch.softmax(logits, dim=1)
""",
    "pkg/models/__init__.py": "from .net import Net\n",
    "scripts/train.py": """\
import torch
from torch import nn

from pkg.models import Net

model = Net()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)


def train(loader):
    for x, y in loader:
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
""",
}

# (document, first command of the block) -> the files of the project the example shows.
EXAMPLE_PROJECTS = {
    ("README.md", "nnlint check scripts/train.py"): _CROSS_FILE_PROJECT,
    ("docs/project.md", "nnlint check scripts/train.py"): _CROSS_FILE_PROJECT,
    ("README.md", "nnlint check --extend-select NNL605 train.py"): {"train.py": """\
import torch
import torch.nn.functional as F
from torch import nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 5))

    def forward(self, x):
        return self.body(x)


model = Classifier()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)


def nll(scores, targets):
    return F.nll_loss(scores, targets)


def train(loader):
    running_loss = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = nll(model(x), y)
        loss.backward()
        optimizer.step()
        running_loss += loss

        scores = model(x)
        probs = nn.Softmax()(scores)
        print(probs.max())
    print(running_loss / len(loader))
"""},
    ("docs/robustness.md", "nnlint check train.py"): {"train.py": """\
import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 3)

    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)


def log_losses(step, loss
    print(step, loss)


model = Net()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def train(loader):
    for x, y in loader:
        optimizer.zero_grad()
        x = x.float()
        y = y.long()
        out = model(x)
        loss = criterion(out, y)
        loss.backward()
        optimizer.step()
"""},
}

EXAMPLE_PROJECTS[("docs/suppression.md", "nnlint check --extend-select NNL003")] = {"train.py": """\
import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 3)

    def forward(self, x):
        return self.fc(x)

probs = F.softmax(x, dim=1)  # noqa: NNL107


def train(loader):
    model = Net()
    for x, y in loader:
        out = model(x)  # noqa: NNL999
        print(out)
"""}

# docs/notebooks.md's examples: a notebook whose model (cell 3) feeds a loss in cell 4, and a
# file that is not valid JSON.
EXAMPLE_PROJECTS[("docs/notebooks.md", "nnlint check notebooks/train.ipynb")] = {
    "notebooks/train.ipynb": '{\n "cells": [\n  {\n   "cell_type": "markdown",\n   "metadata": {},\n   "source": [\n    "# Training a classifier\\n"\n   ]\n  },\n  {\n   "cell_type": "code",\n   "metadata": {},\n   "execution_count": 1,\n   "outputs": [],\n   "source": [\n    "%matplotlib inline\\n",\n    "import torch\\n",\n    "from torch import nn"\n   ]\n  },\n  {\n   "cell_type": "code",\n   "metadata": {},\n   "execution_count": 2,\n   "outputs": [],\n   "source": [\n    "class Net(nn.Module):\\n",\n    "    def __init__(self):\\n",\n    "        super().__init__()\\n",\n    "        self.fc = nn.Linear(784, 10)\\n",\n    "\\n",\n    "    def forward(self, x):\\n",\n    "        return torch.softmax(self.fc(x), dim=1)"\n   ]\n  },\n  {\n   "cell_type": "code",\n   "metadata": {},\n   "execution_count": 3,\n   "outputs": [],\n   "source": [\n    "model = Net()\\n",\n    "criterion = nn.CrossEntropyLoss()\\n",\n    "optimizer = torch.optim.SGD(model.parameters(), lr=0.01)\\n",\n    "for x, y in loader:\\n",\n    "    loss = criterion(model(x), y)\\n",\n    "    optimizer.zero_grad()\\n",\n    "    loss.backward()\\n",\n    "    optimizer.step()"\n   ]\n  }\n ],\n "metadata": {\n  "kernelspec": {\n   "name": "python3",\n   "display_name": "Python 3",\n   "language": "python"\n  }\n },\n "nbformat": 4,\n "nbformat_minor": 5\n}\n',
}
EXAMPLE_PROJECTS[("docs/notebooks.md", "nnlint check broken.ipynb")] = {
    "broken.ipynb": '{\n "cells": [\n 1 2\n ]\n}\n',
}

# The README's dynamic example: the repository's tests/dynamic_models/probed.py as a project
# of its own (under tests/ its placeholder models would be test code, which NNL101/NNL301 skip).
EXAMPLE_PROJECTS[("README.md", "nnlint check --dynamic probed.py")] = {
    "probed.py": (PROJECT_ROOT / "tests" / "dynamic_models" / "probed.py").read_text(encoding="utf-8"),
}

# Blocks with output that are not run, and why.
NOT_RUN = {
    ("docs/plugins.md", "pip install ./examples/plugin-rules"):
        "installs a package; tests/test_plugins.py builds and installs that example and checks its output",
    ("docs/dynamic.md", "pip install '.[dynamic]'"):
        "an illustrative src/model.py; the README's dynamic example (the repository's "
        "tests/dynamic_models/probed.py, as a project of its own) is run instead",
}


def _console_examples() -> list[tuple[str, str, list[tuple[str, list[str]]]]]:
    """(document, first command, [(command, shown output lines)]) for blocks that show output."""
    examples = []
    for name in CONSOLE_DOCS:
        text = (PROJECT_ROOT / name).read_text(encoding="utf-8")
        for block in CONSOLE_BLOCK.findall(text):
            steps: list[tuple[str, list[str]]] = []
            for line in block.splitlines():
                if line.startswith("$ "):
                    steps.append((line[2:].split("  #")[0].strip(), []))
                elif line.strip() and steps:
                    steps[-1][1].append(line)
            if any(shown for _, shown in steps):
                examples.append((name, steps[0][0], steps))
    return examples


CONSOLE_EXAMPLES = _console_examples()


def _shown_line_pattern(shown: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in shown.split("...")))


def test_the_console_examples_are_found():
    found = {(name, first) for name, first, _ in CONSOLE_EXAMPLES}
    assert ("README.md", "nnlint check examples/") in found
    assert set(EXAMPLE_PROJECTS) | set(NOT_RUN) <= found, "a table names a block that is gone"


@pytest.mark.parametrize("name, first, steps", CONSOLE_EXAMPLES,
                         ids=[f"{name}:{first}" for name, first, _ in CONSOLE_EXAMPLES])
def test_console_example_prints_what_the_docs_show(name, first, steps, tmp_path):
    if (name, first) in NOT_RUN:
        pytest.skip(NOT_RUN[(name, first)])
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "nnlint").is_file():
        pytest.skip(f"no nnlint script beside {sys.executable}")
    if any("--dynamic" in command for command, _ in steps) and importlib.util.find_spec("torch") is None:
        pytest.skip("the example runs dynamic mode, which needs torch")
    project = EXAMPLE_PROJECTS.get((name, first))
    if project is None:
        cwd = PROJECT_ROOT
    else:
        cwd = tmp_path / "project"
        for relative, text in project.items():
            (cwd / relative).parent.mkdir(parents=True, exist_ok=True)
            (cwd / relative).write_text(text, encoding="utf-8")
        (cwd / "pyproject.toml").write_text("", encoding="utf-8")
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
               NNLINT_CACHE_DIR=str(tmp_path / "cache"))
    for command, shown in steps:
        assert command.startswith("nnlint "), f"{name}: `{command}` in a block that is run: not an nnlint command"
        result = subprocess.run(["bash", "-c", command], cwd=cwd, env=env,
                                capture_output=True, text=True, timeout=600)
        printed = (result.stdout + result.stderr).splitlines()
        assert result.returncode in (0, 1) and "Traceback" not in result.stderr, \
            f"{name}: `{command}` exited with {result.returncode}:\n{result.stdout}{result.stderr}"
        for line in shown:
            pattern = _shown_line_pattern(line)
            assert any(pattern.fullmatch(out) for out in printed), \
                f"{name}: `{command}` no longer prints\n  {line}\nit prints:\n" + "\n".join(printed)
