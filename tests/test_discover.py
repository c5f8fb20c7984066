"""File discovery: which .py files a run over some paths lints, in which order, named how."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nnlint.config import Config
from nnlint.discover import discover, is_force_excluded


def make(root: Path, *files: str) -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("import torch\n", encoding="utf-8")


def found(paths: list[str], root: Path, **settings) -> list[str]:
    result = discover(paths, Config(root=str(root), **settings))
    assert not result.missing and not result.errors
    return [path.replace(os.sep, "/") for path in result.files]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_python_files_sorted_and_named_as_given(project):
    make(project, "pkg/b.py", "pkg/a.py", "pkg/sub/c.py", "top.py", "notes.txt", "pkg/data.json")
    assert found(["."], project) == ["pkg/a.py", "pkg/b.py", "pkg/sub/c.py", "top.py"]
    assert found(["pkg"], project) == ["pkg/a.py", "pkg/b.py", "pkg/sub/c.py"]
    assert found(["./pkg/"], project) == ["pkg/a.py", "pkg/b.py", "pkg/sub/c.py"]


def test_absolute_paths_stay_absolute(project):
    make(project, "pkg/a.py")
    assert found([str(project / "pkg")], project) == [(project / "pkg" / "a.py").as_posix()]


def test_default_excludes(project):
    make(project, "keep.py", "build/gen.py", "dist/x.py", ".venv/lib/site.py", "venv/y.py",
         "pkg/__pycache__/z.py", "node_modules/m.py", ".git/hooks/h.py", "a/site-packages/s.py",
         ".nnlint_cache/c.py", ".tox/t.py")
    assert found(["."], project) == ["keep.py"]


def test_exclude_replaces_defaults(project):
    make(project, "keep.py", "build/gen.py", "legacy/old.py")
    assert found(["."], project, exclude=("legacy",)) == ["build/gen.py", "keep.py"]


def test_extend_exclude_keeps_defaults_and_anchors_at_config_dir(project):
    make(project, "keep.py", "build/gen.py", "legacy/old.py", "pkg/legacy/x.py", "pkg/gen/a.py", "gen/b.py")
    result = found(["."], project, extend_exclude=("legacy/", "/gen", "*_pb2.py"))
    assert result == ["keep.py", "pkg/gen/a.py"]


def test_extend_exclude_glob_on_files(project):
    make(project, "model.py", "model_pb2.py", "sub/other_pb2.py")
    assert found(["."], project, extend_exclude=("*_pb2.py",)) == ["model.py"]


def test_gitignore_is_honoured(project):
    make(project, "keep.py", "generated.py", "out/x.py", "sub/local.py", "sub/also.py", "other/local.py")
    (project / ".gitignore").write_text("generated.py\nout/\n", encoding="utf-8")
    # A nested .gitignore applies to its own subtree only.
    (project / "sub" / ".gitignore").write_text("local.py\n", encoding="utf-8")
    assert found(["."], project) == ["keep.py", "other/local.py", "sub/also.py"]
    assert found(["."], project, respect_gitignore=False) == [
        "generated.py", "keep.py", "other/local.py", "out/x.py", "sub/also.py", "sub/local.py"
    ]


def test_gitignore_negation_in_nested_file(project):
    make(project, "gen/a.py", "gen/keep.py")
    (project / ".gitignore").write_text("gen/*.py\n", encoding="utf-8")
    (project / "gen" / ".gitignore").write_text("!keep.py\n", encoding="utf-8")
    assert found(["."], project) == ["gen/keep.py"]


def test_gitignore_above_the_named_directory_applies_inside_a_repository(project):
    (project / ".git" / "info").mkdir(parents=True)
    (project / ".git" / "info" / "exclude").write_text("scratch.py\n", encoding="utf-8")
    (project / ".gitignore").write_text("*_tmp.py\n", encoding="utf-8")
    make(project, "src/model.py", "src/model_tmp.py", "src/scratch.py")
    assert found(["src"], project) == ["src/model.py"]


def test_named_files_are_linted_even_if_excluded(project):
    make(project, "build/gen.py", "ignored.py", "script")
    (project / ".gitignore").write_text("ignored.py\n", encoding="utf-8")
    assert found(["build/gen.py", "ignored.py", "script"], project) == ["build/gen.py", "ignored.py", "script"]


def test_named_directory_is_walked_even_if_excluded(project):
    make(project, "build/gen.py", "build/__pycache__/x.py")
    assert found(["build"], project) == ["build/gen.py"]


def test_force_exclude_drops_named_excluded_files(project):
    make(project, "build/gen.py", "keep.py", "legacy/deep/old.py")
    settings = {"force_exclude": True, "extend_exclude": ("legacy",)}
    assert found(["build/gen.py", "keep.py", "legacy/deep/old.py"], project, **settings) == ["keep.py"]
    assert found(["build"], project, **settings) == []
    config = Config(root=str(project), **settings)
    assert is_force_excluded("legacy/deep/old.py", config)
    assert not is_force_excluded("keep.py", config)


def test_missing_paths_are_reported(project):
    make(project, "a.py")
    result = discover(["a.py", "nope.py", "gone/"], Config(root=str(project)))
    assert result.files == ["a.py"]
    assert result.missing == ["nope.py", "gone/"]


def test_each_file_once(project):
    make(project, "pkg/a.py", "pkg/b.py")
    assert found(["pkg", "pkg/a.py", ".", str(project / "pkg" / "b.py")], project) == ["pkg/a.py", "pkg/b.py"]


def test_no_python_files(project):
    make(project, "README.md")
    assert found(["."], project) == []


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_loops_do_not_hang(project):
    make(project, "pkg/a.py")
    try:
        os.symlink(project, project / "pkg" / "loop", target_is_directory=True)
        os.symlink(project / "pkg" / "a.py", project / "alias.py")
    except OSError:
        pytest.skip("cannot create symlinks here")
    # The directory link is not followed; the file link is the same file as pkg/a.py.
    assert found(["."], project) == ["alias.py"]
