"""The cache never deletes, hides or writes what is not its own, and never serves a result
that is stale or was tampered with (issue 16: cache items)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from click.testing import CliRunner

import nnlint
from nnlint.cli import cli
from nnlint.report import OUTPUT_FORMATS

PACKAGE = Path(nnlint.__file__).resolve().parent
SOFTMAX_INTO_CE = """\
import torch
import torch.nn.functional as F


def step(model, x, y):
    return F.cross_entropy(F.softmax(model(x), dim=1), y)
"""
# What nnlint before this change planted in any NNLINT_CACHE_DIR.
OLD_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
           "# This file is a cache directory tag created by nnlint.\n")
OLD_GITIGNORE = "# created by nnlint\n*\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.nnlint]\n", encoding="utf-8")
    (root / "train.py").write_text(SOFTMAX_INTO_CE, encoding="utf-8")
    monkeypatch.chdir(root)
    monkeypatch.delenv("NNLINT_CACHE_DIR", raising=False)
    monkeypatch.delenv("NNLINT_OUTPUT_FORMAT", raising=False)
    return root


def check(*args: str, output_format: str = "json"):
    return CliRunner().invoke(cli, ["check", "--output-format", output_format, *args], catch_exceptions=False)


def codes(*args: str) -> list[str]:
    result = check(*args)
    assert result.exit_code in (0, 1), result.output
    return [d["code"] for d in json.loads(result.stdout)]


def clean(*args: str):
    return CliRunner().invoke(cli, ["clean", *args], catch_exceptions=False)


def tree(directory: Path) -> list[str]:
    return sorted(os.path.relpath(os.path.join(base, name), directory)
                  for base, dirs, files in os.walk(directory) for name in dirs + files)


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("v*/*/*.json"))


# ------------------------------------------------------------ where the cache writes


def test_an_existing_directory_gets_the_cache_in_a_subdirectory_and_clean_keeps_its_files(project, monkeypatch):
    data = project / "data"
    data.mkdir()
    (data / "weights.txt").write_text("keep me\n", encoding="utf-8")
    monkeypatch.setenv("NNLINT_CACHE_DIR", str(data))
    assert codes() == ["NNL101"]
    assert sorted(os.listdir(data)) == [".nnlint_cache", "weights.txt"]  # no tag planted in data/
    assert entries(data / ".nnlint_cache")
    result = clean()
    assert result.exit_code == 0 and "Removed" in result.output, result.output
    assert tree(data) == ["weights.txt"]
    assert (data / "weights.txt").read_text(encoding="utf-8") == "keep me\n"


def test_cache_dir_dot_neither_hides_the_project_from_git_nor_lets_clean_delete_it(project, monkeypatch):
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    monkeypatch.setenv("NNLINT_CACHE_DIR", ".")
    assert codes() == ["NNL101"]
    assert not (project / ".gitignore").exists() and not (project / "CACHEDIR.TAG").exists()
    status = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True, check=True)
    assert sorted(line[3:] for line in status.stdout.splitlines()) == ["pyproject.toml", "train.py"]
    assert codes() == ["NNL101"]  # the second run still finds the file
    before = [name for name in tree(project) if not name.startswith(".nnlint_cache")]
    result = clean()
    assert result.exit_code == 0, result.output
    assert tree(project) == before
    assert (project / ".git" / "HEAD").is_file()


def test_a_directory_planted_by_an_older_nnlint_is_not_written_and_clean_repairs_it(project, monkeypatch):
    """nnlint before this fix wrote its tag, a `.gitignore` of `*` and its entries into any
    NNLINT_CACHE_DIR, the project itself included."""
    (project / "CACHEDIR.TAG").write_text(OLD_TAG, encoding="utf-8")
    (project / ".gitignore").write_text(OLD_GITIGNORE, encoding="utf-8")
    shard = project / "v2" / "ab"
    shard.mkdir(parents=True)
    (shard / ("ab" + "0" * 62 + ".json")).write_text("{}", encoding="utf-8")
    monkeypatch.setenv("NNLINT_CACHE_DIR", str(project))
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    assert codes("train.py") == ["NNL101"]  # named: the old `.gitignore` hides it from `check .`
    assert (project / ".nnlint_cache" / "CACHEDIR.TAG").is_file()
    assert [p.name for p in (project / "v2").rglob("*.json")] == ["ab" + "0" * 62 + ".json"]  # nothing new
    result = clean()
    assert result.exit_code == 0, result.output
    assert [name for name in tree(project) if not name.startswith(".git")] == ["pyproject.toml", "train.py"]
    assert codes() == ["NNL101"]


def test_an_untagged_directory_named_like_the_cache_is_refused_and_kept(project):
    own = project / ".nnlint_cache"
    own.mkdir()
    (own / "notes.txt").write_text("mine\n", encoding="utf-8")
    result = check()
    assert result.exit_code == 1 and "NNL101" in result.stdout
    assert "not using the cache" in result.stderr and "nnlint did not create" in result.stderr
    assert tree(own) == ["notes.txt"]
    result = clean()
    assert result.exit_code == 2 and "not removed" in result.output
    assert tree(own) == ["notes.txt"]


def test_a_symlinked_cache_directory_is_not_written_through(project, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / ".nnlint_cache").symlink_to(outside, target_is_directory=True)
    result = check()
    assert result.exit_code == 1 and "NNL101" in result.stdout
    assert result.stderr.count("not using the cache") == 1 and "symbolic link" in result.stderr
    assert os.listdir(outside) == []
    result = clean()
    assert result.exit_code == 2 and "symbolic link" in result.output
    assert (project / ".nnlint_cache").is_symlink() and outside.is_dir()


def test_links_inside_the_cache_are_neither_written_through_nor_followed_by_clean(project, tmp_path):
    assert codes() == ["NNL101"]
    cache = project / ".nnlint_cache"
    [entry] = entries(cache)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / entry.name).write_text("not a cache entry of this project\n", encoding="utf-8")
    layout = entry.parent.parent
    shutil.rmtree(layout)
    layout.symlink_to(outside, target_is_directory=True)
    (project / "train.py").write_text(SOFTMAX_INTO_CE + "\n# edited\n", encoding="utf-8")
    assert codes() == ["NNL101"]
    assert os.listdir(outside) == [entry.name]
    result = clean()
    assert (outside / entry.name).read_text(encoding="utf-8") == "not a cache entry of this project\n"
    assert result.exit_code == 2 and "kept" in result.output


def test_clean_removes_only_nnlints_entries_from_its_own_directory(project):
    assert codes() == ["NNL101"]
    cache = project / ".nnlint_cache"
    [entry] = entries(cache)
    stray = entry.parent / "my-notes.txt"
    stray.write_text("not an entry\n", encoding="utf-8")
    result = clean()
    assert result.exit_code == 2 and "kept" in result.output
    shard = entry.parent.relative_to(cache)
    # The stray file keeps its directories, and the tag and `.gitignore` that mark them.
    assert tree(cache) == [".gitignore", "CACHEDIR.TAG", shard.parent.name, str(shard), str(shard / "my-notes.txt")]


# ------------------------------------------------------------ what the cache serves


def _rewrite_entries(cache: Path, change) -> None:
    """Edit every stored entry's JSON as someone committing or tampering with the cache would."""
    for entry in entries(cache):
        header, _, body = entry.read_bytes().partition(b"\n")
        result = json.loads(body)
        change(result)
        entry.write_bytes(header + b"\n" + json.dumps(result).encode())  # the old checksum


def _emptied(result: dict) -> None:
    result["diagnostics"] = []


def _line_as_text(result: dict) -> None:
    for diagnostic in result["diagnostics"]:
        diagnostic["start"]["line"] = "six"


def _null_positions(result: dict) -> None:
    for diagnostic in result["diagnostics"]:
        diagnostic["start"] = None
        diagnostic["end"] = {"line": -5}


def _wrong_types(result: dict) -> None:
    for diagnostic in result["diagnostics"]:
        diagnostic["message"] = ["not", "text"]
        diagnostic["related"] = "nowhere"
        diagnostic["fix"] = {"message": 3, "edits": 7}


@pytest.mark.parametrize("change", [_emptied, _line_as_text, _null_positions, _wrong_types],
                         ids=["emptied", "line-as-text", "null-positions", "wrong-types"])
def test_a_committed_or_tampered_entry_is_never_served(project, change):
    expected = {fmt: check("--no-cache", output_format=fmt) for fmt in OUTPUT_FORMATS}
    assert codes() == ["NNL101"]
    for output_format in OUTPUT_FORMATS:
        _rewrite_entries(project / ".nnlint_cache", change)
        result = check(output_format=output_format)
        assert result.exit_code == 1, (output_format, result.output)
        assert result.stdout == expected[output_format].stdout, output_format


def test_moving_a_linked_model_moves_the_cached_cross_file_finding(project):
    (project / "pkg").mkdir()
    (project / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    net = textwrap.dedent("""\
        import torch
        from torch import nn


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.head = nn.Linear(8, 2)

            def forward(self, x):
                return torch.softmax(self.head(x), dim=1)
        """)
    (project / "pkg" / "net.py").write_text(net, encoding="utf-8")
    (project / "train.py").write_text(textwrap.dedent("""\
        from torch import nn

        from pkg.net import Net


        def train(x, y):
            model = Net()
            criterion = nn.CrossEntropyLoss()
            return criterion(model(x), y)
        """), encoding="utf-8")

    def related_lines() -> list[int]:
        result = check()
        found = json.loads(result.stdout)
        assert [d["code"] for d in found] == ["NNL101"], result.output
        return [item["location"]["row"] for item in found[0].get("related", [])] + [found[0]["message"]]

    before = related_lines()
    (project / "pkg" / "net.py").write_text("# a comment\n# another\n\n" + net, encoding="utf-8")
    after = related_lines()
    fresh = json.loads(check("--no-cache").stdout)
    assert after == [item["location"]["row"] for item in fresh[0].get("related", [])] + [fresh[0]["message"]]
    assert after != before


def test_changed_nnlint_code_invalidates_the_cache(project, tmp_path):
    """The same version string, other rule code (a development checkout, a patched install):
    results are recomputed."""
    copy = tmp_path / "copy"
    shutil.copytree(PACKAGE, copy / "nnlint", ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(copy)}
    command = [sys.executable, "-m", "nnlint", "check", "--output-format", "json", "."]
    first = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 1, first.stderr
    rule = next(path for path in (copy / "nnlint" / "rules").rglob("*.py")
                if "log-softmax itself;" in path.read_text(encoding="utf-8"))
    rule.write_text(rule.read_text(encoding="utf-8").replace("log-softmax itself;", "log-softmax ITSELF;"),
                    encoding="utf-8")
    second = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=120)
    assert "log-softmax ITSELF" in json.loads(second.stdout)[0]["message"], second.stderr


# ------------------------------------------------------------ file names no codec can hold


@pytest.mark.skipif(sys.platform != "linux", reason="needs a file system that takes any bytes as a name")
@pytest.mark.parametrize("output_format", OUTPUT_FORMATS)
def test_every_format_reports_a_file_whose_name_is_not_utf8(project, output_format):
    (project / "train.py").unlink()
    with open(os.path.join(os.fsencode(project), b"\xff-model.py"), "wb") as handle:
        handle.write(SOFTMAX_INTO_CE.encode())
    for cached in ("--no-cache", "--isolated", "--isolated"):  # computed, stored, served
        result = check(cached, output_format=output_format)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        if output_format in ("json", "sarif", "gitlab"):
            json.loads(result.stdout)
        elif output_format == "junit":
            ElementTree.fromstring(result.stdout_bytes)
        assert "-model.py" in result.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("kind", ["fifo", "link-to-dev-zero", "huge"])
def test_an_entry_that_is_no_regular_file_is_not_read(project, kind):
    assert codes() == ["NNL101"]
    [entry] = entries(project / ".nnlint_cache")
    entry.unlink()
    if kind == "fifo":
        os.mkfifo(entry)
    elif kind == "link-to-dev-zero":
        entry.symlink_to("/dev/zero")
    else:
        with open(entry, "wb") as handle:
            handle.truncate(40 * 1024 * 1024)  # sparse: 40 MB of NULs, no disk used
    command = [sys.executable, "-m", "nnlint", "check", "--output-format", "json", "."]
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert [d["code"] for d in json.loads(done.stdout)] == ["NNL101"]


def test_clean_removes_a_cache_directory_left_half_made_by_a_killed_run(project):
    half = project / ".nnlint_cache.new-abc123"
    half.mkdir()
    (half / "CACHEDIR.TAG").write_text(OLD_TAG, encoding="utf-8")
    assert codes() == ["NNL101"]
    assert clean().exit_code == 0
    assert tree(project) == ["pyproject.toml", "train.py"]
