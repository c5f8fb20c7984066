"""Lazy facts: each rule declares the fact families it reads (`Rule.reads`), a run computes
only those, and findings are the same as when every family is computed."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import nnlint.analysis as analysis
from nnlint.analysis import ALL_FAMILIES, FAMILIES, analyze
from nnlint.analysis.facts import FileFacts
from nnlint.cli import cli
from nnlint.lint import check_source
from nnlint.parse import ParsedFile, parse_source
from nnlint.rules import all_rules

RULES = [rule for rule in all_rules() if not rule.dynamic_only]
CASES = sorted((Path(__file__).resolve().parents[2] / "shared" / "cases").glob("*.py"))


class UndeclaredRead(AssertionError):
    pass


class StrictFacts(FileFacts):
    """Raises when a rule reads a family outside `allowed`. Reads a builder makes while it
    runs (a family pulling in the one it depends on) are the builder's, not the rule's."""

    def __getattribute__(self, name: str):
        values = object.__getattribute__(self, "__dict__")
        if not name.startswith("_") and values.get("_building", 0) == 0:
            family = FileFacts.family_of(name)
            if family is not None and family not in values["_allowed"]:
                raise UndeclaredRead(f"read {name!r} (family {family!r}) without declaring it")
        return object.__getattribute__(self, name)


class _Sink:
    def __call__(self, node, message, **_):
        pass

    def where(self, node) -> str:
        return "line 1"


def _strict_facts(source: str, allowed: tuple[str, ...]) -> FileFacts:
    parsed = parse_source(source)  # as a run reads it: a snippet, a file with syntax errors
    assert isinstance(parsed, ParsedFile), parsed
    facts = analyze(parsed.module, "example.py", needs=allowed)
    facts.__class__ = StrictFacts
    facts.__dict__["_allowed"] = frozenset(allowed)
    return facts


def test_every_builtin_rule_declares_known_families():
    for rule in all_rules():
        assert rule.reads is not None, f"{rule.code} does not declare the facts it reads"
        assert set(rule.reads) <= set(ALL_FAMILIES), f"{rule.code} reads unknown families {rule.reads}"


def test_the_strict_facts_catch_an_undeclared_read():
    facts = _strict_facts("import torch\n", ("values",))
    assert facts.loss_calls == []
    with pytest.raises(UndeclaredRead):
        facts.training  # noqa: B018 - the read is the test


EXAMPLES = [pytest.param(rule, snippet, id=f"{rule.code}-{kind}-{index}")
            for rule in RULES if rule.code != "NNL001"  # about code that does not parse
            for kind in ("valid", "invalid")
            for index, snippet in enumerate(getattr(rule, kind))]


@pytest.mark.parametrize(("rule", "snippet"), EXAMPLES)
def test_a_rule_reads_only_what_it_declares(rule, snippet):
    facts = _strict_facts(snippet, rule.reads)
    rule(None).check(facts, _Sink())


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The families whose builder ran, in order."""
    ran: list[str] = []

    def counting(family, build):
        def run(facts):
            ran.append(family)
            build(facts)
        return run

    monkeypatch.setattr(analysis, "FAMILIES", {family: counting(family, build) for family, build in FAMILIES.items()})
    return ran


TRAINING_SCRIPT = """\
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2), nn.Softmax())
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in loader:
    loss = nn.CrossEntropyLoss()(model(x), y)
    loss.backward()
    optimizer.step()
"""


def test_a_rule_of_the_interpreter_alone_runs_no_builder(built):
    found = check_source(TRAINING_SCRIPT.encode(), "train.py", {"NNL107"}).diagnostics
    assert [d.code for d in found] == ["NNL107"]
    assert built == []


def test_a_family_pulls_in_what_it_depends_on_once(built):
    check_source(TRAINING_SCRIPT.encode(), "train.py", {"NNL612"})
    assert sorted(built) == ["seeding", "training"]  # seeding reads the training loops


def test_every_rule_finds_the_same_alone_as_with_every_family_computed():
    """The lazy run of the rules that read the same families (what a run selecting any one
    of them computes) against the eager run of all rules, filtered."""
    by_code = {rule.code: rule for rule in RULES}
    groups: dict[tuple[str, ...], set[str]] = {}
    for rule in RULES:
        groups.setdefault(tuple(sorted(rule.reads)), set()).add(rule.code)
    sources = [path.read_bytes() for path in CASES] + [snippet.encode() for rule in RULES for snippet in rule.invalid]
    assert len(sources) > 50 and len(groups) > 10
    for data in sources:
        everything = check_source(data, "case.py", set(by_code)).diagnostics
        # Alone, a rule's finding that another rule's says better (NNL101 over NNL107) stays.
        superseded = {(code, d.start, d.end) for d in everything for code in by_code[d.code].supersedes}
        for reads, codes in groups.items():
            alone = [d for d in check_source(data, "case.py", codes).diagnostics
                     if (d.code, d.start, d.end) not in superseded]
            assert alone == [d for d in everything if d.code in codes], f"{reads} alone differ on\n{data.decode()}"


# ------------------------------------------------------------------ the project join and the cache

NET = """\
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.5))

    def forward(self, x):
        return self.body(x)
"""
PREDICT = """\
import torch

from models import Net


def predict(images):
    model = Net()
    model.load_state_dict(torch.load("net.pt"))
    with torch.no_grad():
        return model(images).argmax(1)
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n", encoding="utf-8")
    (tmp_path / "models.py").write_text(NET, encoding="utf-8")
    (tmp_path / "predict.py").write_text(textwrap.dedent(PREDICT), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NNLINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("NNLINT_OUTPUT_FORMAT", raising=False)
    return tmp_path


def _check(*args: str) -> list[tuple[str, str, int]]:
    result = CliRunner().invoke(cli, ["check", "--output-format", "json", *args], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return sorted((Path(item["filename"]).name, item["code"], item["location"]["row"])
                  for item in json.loads(result.stdout))


def test_the_join_of_a_lazy_run_finds_what_an_eager_one_does(project):
    """NNL502 in predict.py needs to know that models.py's Net has dropout: a run selecting
    only NNL502 computes models.py's path facts or not, and finds the same."""
    alone = _check("--no-cache", "--select", "NNL502")
    assert any(name == "predict.py" and code == "NNL502" for name, code, _ in alone)
    every = [item for item in _check("--no-cache", "--select", "ALL") if item[1] == "NNL502"]
    assert alone == every


def test_a_cached_lazy_run_gives_the_findings_of_an_eager_one(project):
    eager = [item for item in _check("--select", "ALL") if item[1] == "NNL502"]
    cold = _check("--select", "NNL502")  # its own cache entries: the key holds the selection
    warm = _check("--select", "NNL502")
    assert cold == warm == eager
    assert any(code == "NNL502" for _, code, _ in eager)
