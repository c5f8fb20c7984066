"""The package layout shows the pipeline: the analysis is split into stage subpackages whose
imports go one way (no cycle among them), and no stage reaches back into rules or reporting."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "nnlint"
ANALYSIS = PACKAGE / "analysis"
# Modules that stay at the top of nnlint/analysis: the entry point, the fact types every
# stage shares and their lazy computation, and the golden-fact dump.
TOP_LEVEL = {"__init__.py", "facts.py", "lazy.py", "fact_dump.py"}
# Later pipeline stages the analysis must never import.
DOWNSTREAM = ("nnlint.rules", "nnlint.report", "nnlint.cli", "nnlint.lsp", "nnlint.fix", "nnlint.dynamic")


def _runtime_imports(path: Path) -> set[str]:
    """Modules `path` imports when it runs: imports under `if TYPE_CHECKING:` are for the type
    checker only and cannot make an import cycle."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.add(child.module)
                found.update(f"{child.module}.{alias.name}" for alias in child.names)
            visit(child)

    visit(tree)
    return found


def _stages() -> dict[str, list[Path]]:
    return {p.name: sorted(p.glob("*.py")) for p in sorted(ANALYSIS.iterdir())
            if p.is_dir() and (p / "__init__.py").exists()}


def test_analysis_is_split_into_stage_subpackages():
    loose = {p.name for p in ANALYSIS.glob("*.py")} - TOP_LEVEL
    assert not loose, f"modules directly in nnlint/analysis belong in a stage subpackage: {sorted(loose)}"
    assert {"program", "architecture", "initialization", "training", "paths"} <= set(_stages())


def test_stage_imports_have_no_cycle():
    stages = _stages()
    graph: dict[str, set[str]] = {name: set() for name in stages}
    for name, modules in stages.items():
        for module in modules:
            for imported in _runtime_imports(module):
                parts = imported.split(".")
                if parts[:2] == ["nnlint", "analysis"] and len(parts) > 2 and parts[2] in stages and parts[2] != name:
                    graph[name].add(parts[2])
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(stage: str, trail: tuple[str, ...]) -> None:
        if state.get(stage) == "done":
            return
        if state.get(stage) == "open":
            pytest.fail("import cycle among analysis stages: " + " -> ".join(trail + (stage,)))
        state[stage] = "open"
        for target in sorted(graph[stage]):
            visit(target, trail + (stage,))
        state[stage] = "done"
        order.append(stage)

    for stage in sorted(graph):
        visit(stage, ())
    # The program model is the base every other stage builds on.
    assert order.index("program") < min(order.index(s) for s in graph if s != "program")


def test_analysis_never_imports_later_stages():
    for module in sorted(ANALYSIS.rglob("*.py")):
        bad = {name for name in _runtime_imports(module) if name.startswith(DOWNSTREAM)}
        assert not bad, f"{module.relative_to(PACKAGE)} imports {sorted(bad)}"
