"""The cache and the process pool: results must never depend on either."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import nnlint.cache
from nnlint.cli import cli

SOFTMAX_INTO_CE = """\
import torch
import torch.nn.functional as F


def step(model, x, y):
    return F.cross_entropy(F.softmax(model(x), dim=1), y)
"""
CLEAN = SOFTMAX_INTO_CE.replace("F.softmax(model(x), dim=1)", "model(x)")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.nnlint]\n", encoding="utf-8")
    (tmp_path / "train.py").write_text(SOFTMAX_INTO_CE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NNLINT_CACHE_DIR", raising=False)
    monkeypatch.delenv("NNLINT_OUTPUT_FORMAT", raising=False)
    return tmp_path


def run(*args: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["check", "--output-format", "json", *args], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def entries(project: Path) -> list[Path]:
    return sorted((project / ".nnlint_cache").glob("v*/*/*.json"))


def tamper(project: Path, message: str) -> None:
    """Rewrite every stored finding's message, with a valid checksum (as only nnlint itself
    writes entries): a run that shows the message read the cache."""
    for entry in entries(project):
        result = nnlint.cache.decode_entry(entry.read_bytes(), entry.stem)
        for diagnostic in result["diagnostics"]:
            diagnostic["message"] = message
        entry.write_bytes(nnlint.cache.encode_entry(entry.stem, result))


def test_cache_directory_is_tagged_and_ignored_by_git(project):
    assert [d["code"] for d in run()] == ["NNL101"]
    cache = project / ".nnlint_cache"
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    assert len(entries(project)) == 1


def test_unchanged_file_comes_from_the_cache(project):
    run()
    tamper(project, "from the cache")
    assert [d["message"] for d in run()] == ["from the cache"]
    assert [d["message"] for d in run("--no-cache")] != ["from the cache"]


def test_edit_invalidates(project):
    run()
    tamper(project, "stale")
    (project / "train.py").write_text(CLEAN, encoding="utf-8")
    assert run() == []
    (project / "train.py").write_text(SOFTMAX_INTO_CE, encoding="utf-8")
    assert [d["message"] for d in run()] == ["stale"]  # the old content's entry is still valid


def test_config_change_invalidates(project):
    run()
    tamper(project, "stale")
    (project / "pyproject.toml").write_text("[tool.nnlint.rules.NNL402]\nmax-depth = 5\n", encoding="utf-8")
    assert [d["message"] for d in run()] != ["stale"]
    assert run("--ignore", "NNL101") == []


def test_version_change_invalidates(project, monkeypatch):
    run()
    tamper(project, "stale")
    monkeypatch.setattr(nnlint.cache, "__version__", "999.0")
    assert [d["message"] for d in run()] != ["stale"]


@pytest.mark.parametrize("garbage", [b"", b"{not json", b"\x00\xff" * 50, b'{"key": "someone else", "result": {}}',
                                     b'{"key": null}', b"[]"])
def test_corrupt_or_foreign_entry_is_ignored_and_rewritten(project, garbage):
    expected = run()
    for entry in entries(project):
        entry.write_bytes(garbage)
    assert run() == expected
    for entry in entries(project):
        assert nnlint.cache.decode_entry(entry.read_bytes(), entry.stem) is not None


def test_no_cache_writes_nothing_and_env_moves_the_cache(project, tmp_path_factory, monkeypatch):
    run("--no-cache")
    assert not (project / ".nnlint_cache").exists()
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "cache"
    monkeypatch.setenv("NNLINT_CACHE_DIR", str(elsewhere))
    run()
    assert not (project / ".nnlint_cache").exists()
    assert (elsewhere / "CACHEDIR.TAG").is_file()


def test_unwritable_cache_location_still_lints(project, monkeypatch):
    blocker = project / "not-a-directory"
    blocker.write_text("a file where the cache directory would go\n", encoding="utf-8")
    monkeypatch.setenv("NNLINT_CACHE_DIR", str(blocker / "cache"))
    assert [d["code"] for d in run()] == ["NNL101"]


def test_clean_removes_only_an_nnlint_cache(project, monkeypatch):
    run()
    result = CliRunner().invoke(cli, ["clean"])
    assert result.exit_code == 0 and "Removed" in result.output
    assert not (project / ".nnlint_cache").exists()
    precious = project / "precious"
    precious.mkdir()
    (precious / "data.txt").write_text("keep me\n", encoding="utf-8")
    monkeypatch.setenv("NNLINT_CACHE_DIR", str(precious))
    result = CliRunner().invoke(cli, ["clean"])
    # Not nnlint's: its cache would be in precious/.nnlint_cache, and there is none.
    assert result.exit_code == 0 and "No cache at" in result.output
    assert sorted(os.listdir(precious)) == ["data.txt"]


def _many_files(project: Path, count: int = 24) -> None:
    for index in range(count):
        text = SOFTMAX_INTO_CE if index % 3 == 0 else CLEAN
        (project / f"m{index:02d}.py").write_text(text + f"\n# file {index}\n", encoding="utf-8")
    (project / "broken.py").write_text("import torch\ndef f(:\n", encoding="utf-8")


def test_output_does_not_depend_on_the_job_count(project):
    _many_files(project)
    outputs = [CliRunner().invoke(cli, ["check", "--no-cache", "-j", jobs]).output for jobs in ("1", "2", "3")]
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0].count("NNL101") == 9 and "broken.py:2:" in outputs[0]


def test_concurrent_runs_share_a_cache_safely(project):
    _many_files(project, 40)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(nnlint.cache.__file__).parents[1]),
                                                         os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "nnlint", "check", "--output-format", "json", "-j", "2", "."]
    processes = [subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(3)]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert all(process.returncode == 1 for process in processes), [err for _, err in outputs]
    assert outputs[0][0] == outputs[1][0] == outputs[2][0]
    assert not list((project / ".nnlint_cache").rglob(".tmp-*"))
    warm = subprocess.run(command, cwd=project, env=env, capture_output=True, timeout=300)
    assert warm.stdout == outputs[0][0]


def test_outside_any_project_the_cache_goes_to_the_working_directory(tmp_path, monkeypatch):
    sources = tmp_path / "downloads" / "snippets"
    sources.mkdir(parents=True)
    (sources / "train.py").write_text(SOFTMAX_INTO_CE, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("NNLINT_CACHE_DIR", raising=False)
    monkeypatch.delenv("NNLINT_OUTPUT_FORMAT", raising=False)
    result = CliRunner().invoke(cli, ["check", str(sources)])
    assert result.exit_code == 1
    assert not (sources / ".nnlint_cache").exists()
    assert (work / ".nnlint_cache" / "CACHEDIR.TAG").is_file()


def test_a_worker_that_dies_loses_only_its_own_file(project, monkeypatch):
    import nnlint.runner as runner_module

    real = runner_module.check_source

    def crashing(data, path, *args, **kwargs):
        if path.endswith("m06.py"):
            os._exit(70)  # what a segfault in the parser looks like to the pool
        return real(data, path, *args, **kwargs)

    monkeypatch.setattr(runner_module, "check_source", crashing)
    _many_files(project)
    result = CliRunner().invoke(cli, ["check", "--no-cache", "-j", "2"])
    assert result.exit_code == 2
    assert "internal error while checking m06.py: the process checking this file died" in result.stderr
    assert result.stdout.count("NNL101 ") == 8  # nine files have the bug; only m06 is lost
