"""Suite-wide pytest settings and the fixtures several test files share."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.project_files import write

# tests/corpus holds the development corpus: code to lint, read by tests/test_dev_corpus.py,
# never run. Some cases are named like tests on purpose (test-code detection is what they
# check), so pytest must not collect anything there.
collect_ignore_glob = ["corpus/*"]


@pytest.fixture
def empty_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root holding only a `pyproject.toml`, as the working directory, with its own
    cache folder and the default output format (whatever the environment running the tests
    sets)."""
    write(tmp_path, "pyproject.toml", "[project]\nname = 'demo'\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NNLINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("NNLINT_OUTPUT_FORMAT", raising=False)
    return tmp_path
