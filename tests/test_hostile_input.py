"""Hostile input through the real command, in a child process (a segfault in a native parser
must fail this test, not kill the test run): every odd file gets a clear message, the other
files are still linted, and the exit code is the documented one (docs/robustness.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUG = "import torch.nn as nn\nm = nn.Softmax()\n"  # NNL107 at 2:5
AFTER = "n = nn.Softmax()\n"  # a finding after the hostile part: the rest is still checked


def nnlint(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("NNLINT_OUTPUT_FORMAT", None)
    return subprocess.run([sys.executable, "-m", "nnlint", "check", "--isolated", "--no-cache", *args],
                          cwd=cwd, capture_output=True, timeout=300, env=env)


def findings(result: subprocess.CompletedProcess) -> dict[str, list[tuple[str, int, int, str]]]:
    by_file: dict[str, list[tuple[str, int, int, str]]] = {}
    for record in json.loads(result.stdout.decode("utf-8")):
        where = record["location"]
        by_file.setdefault(record["filename"], []).append(
            (record["code"], where["row"], where["column"], record["message"]))
    return by_file


def write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)


HOSTILE = {
    # size
    "big.py": BUG + "DATA = [\n" + "    0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5,\n" * 250_000 + "]\n",
    "long_file.py": BUG + "# filler\n\n" * 50_000 + AFTER,
    # nesting CPython refuses, and nesting libcst would crash on or take minutes over
    "deep_parens_short_lines.py": BUG + "x = " + "(\n" * 5000 + "1" + "\n)" * 5000 + "\n" + AFTER,
    "deep_parens_one_line.py": BUG + "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n" + AFTER,
    "deep_lists.py": BUG + "x = " + "[" * 150 + "]" * 150 + "\n" + AFTER,
    "deep_blocks.py": BUG + "".join(" " * i + "if x:\n" for i in range(150)) + " " * 150 + "pass\n" + AFTER,
    "chain_attributes.py": BUG + "x = a" + ".b" * 100_000 + "\n" + AFTER,
    "chain_sum.py": BUG + "x = " + "+".join(["x"] * 100_000) + "\n" + AFTER,
    "chain_over_lines.py": BUG + "x = (a\n" + "    .b\n" * 1000 + ")\n" + AFTER,
    # a chain whose lines end in brackets or in a comment with a comma, never in a comma of the code
    "subscripts_over_lines.py": BUG + "x = (f[\n" + "    0  # step, then the next\n    ][\n" * 500 + "    0\n    ])\n" + AFTER,
    # a long literal after a bracket left open in a comment: linted as usual
    "long_literal.py": BUG + "# see (1\nCFG = {\n" + "    'a': dict(url='x.b', size=(3, 224)),\n" * 400 + "}\n" + AFTER,
    # bytes and line endings
    "nul.py": b"import torch\x00\n",
    "latin1.py": "import torch\n# caf\xe9\n".encode("latin-1"),
    "bom.py": b"\xef\xbb\xbf" + BUG.encode(),
    "crlf.py": BUG.replace("\n", "\r\n"),
    "mixed_endings.py": "import torch\r\n\rimport torch.nn as nn\n\r\nm = nn.Softmax()\r",
    # names
    "with space/m o.py": BUG,
    "mödel_é.py": BUG,
    "dir.py/inside.py": BUG,  # a directory named like a Python file is walked
}

ABOVE = ("NNL107", 2, 5, "")  # the finding before the hostile part
EXPECTED = {
    "big.py": [("NNL002", 1, 1, "not analysed: the file has 11.0 MB")],
    "long_file.py": [("NNL107", 2, 5, ""), ("NNL107", 100_003, 5, "")],
    "deep_parens_short_lines.py": [ABOVE, ("NNL001", 203, 1, "syntax error: too many nested parentheses"),
                                   ("NNL107", 10_004, 5, "")],
    "deep_parens_one_line.py": [ABOVE, ("NNL001", 3, 205, "syntax error: too many nested parentheses"),
                                ("NNL107", 4, 5, "")],
    "deep_lists.py": [ABOVE, ("NNL001", 3, 1, "not analysed: the code nests more than 100 levels"), ("NNL107", 4, 5, "")],
    "deep_blocks.py": [ABOVE, ("NNL001", 103, 1, "syntax error: too many levels of indentation"),
                       ("NNL107", 154, 5, "")],
    "chain_attributes.py": [ABOVE, ("NNL001", 3, 1, "syntax error: the code nests too deeply"), ("NNL107", 4, 5, "")],
    "chain_sum.py": [ABOVE, ("NNL001", 3, 1, "syntax error: the code nests too deeply"), ("NNL107", 4, 5, "")],
    "chain_over_lines.py": [ABOVE, ("NNL001", 3, 1, "not analysed: the code nests more than 100 levels"),
                            ("NNL107", 1005, 5, "")],
    "subscripts_over_lines.py": [ABOVE, ("NNL001", 3, 1, "not analysed: the code nests more than 100 levels"),
                                 ("NNL107", 1006, 5, "")],
    "long_literal.py": [ABOVE, ("NNL107", 406, 5, "")],
    "nul.py": [("NNL002", 1, 1, "file contains NUL bytes")],
    "latin1.py": [("NNL002", 2, 1, "file is not valid UTF-8 (byte 0xe9 at offset 18)")],
    "bom.py": [("NNL107", 2, 5, "")],
    "crlf.py": [("NNL107", 2, 5, "")],
    "mixed_endings.py": [("NNL107", 5, 5, "")],
    "with space/m o.py": [("NNL107", 2, 5, "")],
    "mödel_é.py": [("NNL107", 2, 5, "")],
    "dir.py/inside.py": [("NNL107", 2, 5, "")],
}


def test_hostile_files_each_get_a_clear_finding_and_the_rest_is_linted(tmp_path: Path):
    for name, content in HOSTILE.items():
        write(tmp_path / name, content)
    if hasattr(os, "symlink"):  # links that cannot be followed are skipped in a walk
        os.symlink("loop_b.py", tmp_path / "loop_a.py")
        os.symlink("loop_a.py", tmp_path / "loop_b.py")
        os.symlink("nowhere.py", tmp_path / "dangling.py")
    if hasattr(os, "mkfifo"):  # reading a FIFO would block forever
        os.mkfifo(tmp_path / "fifo.py")
    result = nnlint(tmp_path, "--output-format", "json", ".")
    assert result.stderr == b""
    assert result.returncode == 1
    found = findings(result)
    assert sorted(found) == sorted(EXPECTED)
    for name, expected in EXPECTED.items():
        got = found[name]
        assert [(code, line, column) for code, line, column, _ in got] == [e[:3] for e in expected], name
        for (_, _, _, message), (*_, start) in zip(got, expected):
            assert message.startswith(start), (name, message)


def test_named_paths_that_cannot_be_read_are_errors_and_the_rest_is_linted(tmp_path: Path):
    write(tmp_path / "ok.py", BUG)
    names = ["missing.py"]
    if hasattr(os, "symlink"):
        os.symlink("loop_b.py", tmp_path / "loop_a.py")
        os.symlink("loop_a.py", tmp_path / "loop_b.py")
        os.symlink("nowhere.py", tmp_path / "dangling.py")
        names += ["loop_a.py", "dangling.py"]
    result = nnlint(tmp_path, *names, "ok.py")
    assert result.returncode == 2
    assert result.stdout.decode().startswith("ok.py:2:5: NNL107 ")
    errors = set(result.stderr.decode().splitlines())
    assert "nnlint: error: path not found: missing.py" in errors
    if "loop_a.py" in names:
        assert "nnlint: error: cannot read loop_a.py: symbolic link loop" in errors
        assert "nnlint: error: cannot read dangling.py: broken symbolic link (No such file or directory)" in errors
    assert len(errors) == len(names)


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs Linux /proc")
def test_file_of_proc_is_reported_not_read(tmp_path: Path):
    # Reading /proc/self/mem from offset 0 fails for everybody; nnlint does not even try.
    os.symlink("/proc/self/mem", tmp_path / "unreadable.py")
    write(tmp_path / "ok.py", BUG)
    result = nnlint(tmp_path, ".")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.decode().splitlines()
    assert lines[0] == "ok.py:2:5: NNL107 " + lines[0].split(" NNL107 ", 1)[1]
    assert lines[1] == "unreadable.py:1:1: NNL002 cannot read: it is in /proc, whose files the kernel makes up (never read)"


def test_odd_literals_do_not_print_python_warnings(tmp_path: Path):
    # CPython warns about these when nnlint compiles or evaluates them; nnlint's stderr stays clean.
    write(tmp_path / "warns.py", 'import torch\nx = 1()\ny = "\\d"\nz = (\n')
    result = subprocess.run(
        [sys.executable, "-W", "default", "-m", "nnlint", "check", "--isolated", "--no-cache", "warns.py"],
        cwd=tmp_path, capture_output=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.stderr == b""
    assert result.stdout.decode().startswith("warns.py:4:5: NNL001 syntax error: '(' was never closed")


# --- Bounded reads: nothing nnlint reads can exhaust memory or block the run ---------------

MEMORY_CAP = 1 << 30  # address space of the child: far above what these runs need


def capped_nnlint(cwd: Path, *args: str, stdin=None, timeout: float = 60) -> subprocess.CompletedProcess:
    """`nnlint()` under `ulimit -v` and a timeout: reading without a bound must fail the test
    (a MemoryError, or the timeout), not take the machine's memory or the test run."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("NNLINT_OUTPUT_FORMAT", None)
    return subprocess.run([sys.executable, "-m", "nnlint", "check", "--isolated", "--no-cache", *args],
                          cwd=cwd, capture_output=True, timeout=timeout, env=env, stdin=stdin,
                          preexec_fn=limit)


def git_project(tmp_path: Path) -> Path:
    (tmp_path / ".git" / "info").mkdir(parents=True)
    write(tmp_path / "ok.py", BUG)
    return tmp_path


needs_posix = pytest.mark.skipif(not hasattr(os, "mkfifo") or sys.platform == "win32", reason="needs POSIX files")


@needs_posix
def test_gitignore_linked_to_dev_zero_is_skipped_with_a_warning(tmp_path: Path):
    project = git_project(tmp_path)
    os.symlink("/dev/zero", project / ".gitignore")
    result = capped_nnlint(project, ".")
    assert result.returncode == 1, result.stderr
    assert result.stdout.decode().startswith("ok.py:2:5: NNL107 ")
    assert result.stderr.decode() == ("nnlint: warning: .gitignore not read (not a regular file "
                                      "(a character device)); its patterns do not apply\n")


@needs_posix
@pytest.mark.parametrize("ignore_file", [".gitignore", ".git/info/exclude", "pkg/.gitignore"])
def test_fifo_as_an_ignore_file_does_not_block(tmp_path: Path, ignore_file: str):
    project = git_project(tmp_path)
    write(project / "pkg" / "m.py", BUG)
    os.mkfifo(project / ignore_file)
    result = capped_nnlint(project, ".", timeout=30)
    assert result.returncode == 1, result.stderr
    assert [line.split(":")[0] for line in result.stdout.decode().splitlines()[:2]] == ["ok.py", "pkg/m.py"]
    shown = os.path.normpath(ignore_file)
    assert result.stderr.decode() == (f"nnlint: warning: {shown} not read (not a regular file (a FIFO)); "
                                      "its patterns do not apply\n")


@needs_posix
def test_ignore_file_larger_than_the_limit_is_skipped_with_a_warning(tmp_path: Path):
    project = git_project(tmp_path)
    with open(project / ".gitignore", "wb") as handle:
        handle.truncate(8 * 10**9)  # sparse: takes no disk space
    result = capped_nnlint(project, ".")
    assert result.returncode == 1, result.stderr
    assert result.stderr.decode() == ("nnlint: warning: .gitignore not read (it has 8000.0 MB, more than "
                                      "nnlint's limit of 1 MB); its patterns do not apply\n")


@needs_posix
def test_sparse_8_gb_source_is_a_finding_under_a_memory_cap(tmp_path: Path):
    write(tmp_path / "ok.py", BUG)
    with open(tmp_path / "big.py", "wb") as handle:
        handle.truncate(8 * 2**30)
    result = capped_nnlint(tmp_path, "--output-format", "json", ".")
    assert result.returncode == 1, result.stderr
    found = findings(result)
    assert found["big.py"] == [("NNL002", 1, 1, "not analysed: the file has 8589.9 MB, more than nnlint's "
                                                "limit of 2 MB (generated code or data?)")]
    assert [code for code, *_ in found["ok.py"]] == ["NNL107"]
    # Named on the command line, too.
    named = capped_nnlint(tmp_path, "big.py", "ok.py")
    assert named.returncode == 1 and named.stderr == b""
    assert [line.split(": ")[1][:6] for line in named.stdout.decode().splitlines()[:2]] == ["NNL002", "NNL107"]


@needs_posix
def test_named_fifo_and_device_are_findings_and_the_rest_is_linted(tmp_path: Path):
    write(tmp_path / "ok.py", BUG)
    os.mkfifo(tmp_path / "fifo.py")
    os.symlink("/dev/zero", tmp_path / "zero.py")
    result = capped_nnlint(tmp_path, "fifo.py", "zero.py", "ok.py", timeout=30)
    assert result.returncode == 1, result.stderr
    assert result.stderr == b""
    lines = result.stdout.decode().splitlines()
    assert lines[0] == "fifo.py:1:1: NNL002 cannot read: not a regular file (a FIFO)"
    assert lines[1].startswith("ok.py:2:5: NNL107 ")
    assert lines[2] == "zero.py:1:1: NNL002 cannot read: not a regular file (a character device)"


@pytest.mark.skipif(not os.access("/proc/kmsg", os.R_OK), reason="needs a readable /proc/kmsg (root on Linux)")
def test_source_linked_to_proc_kmsg_is_a_finding_not_a_hang(tmp_path: Path):
    # Reading /proc/kmsg blocks until the kernel logs something, and takes the message away
    # from the system's log: nnlint never opens a file of /proc.
    write(tmp_path / "ok.py", BUG)
    os.symlink("/proc/kmsg", tmp_path / "x.py")
    for args in (["."], ["x.py", "ok.py"]):
        result = capped_nnlint(tmp_path, *args, timeout=30)
        assert result.returncode == 1, result.stderr
        lines = result.stdout.decode().splitlines()
        assert lines[0].startswith("ok.py:2:5: NNL107 ")
        assert lines[1] == "x.py:1:1: NNL002 cannot read: it is in /proc, whose files the kernel makes up (never read)"


@needs_posix
def test_endless_stdin_is_a_clear_error(tmp_path: Path):
    source = subprocess.Popen([sys.executable, "-c", "import sys\nwhile True: sys.stdout.write('x = 1\\n' * 4096)"],
                              stdout=subprocess.PIPE)
    try:
        result = capped_nnlint(tmp_path, "-", stdin=source.stdout)
    finally:
        source.kill()
        source.wait()
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode() == ("nnlint: error: cannot read stdin: it has more than 2 MB, nnlint's limit "
                                      "for one file\n")


@needs_posix
def test_dynamic_mode_does_not_block_on_a_named_fifo_or_device(tmp_path: Path):
    # Dynamic mode reads the files again to choose what to probe: that read is bounded too.
    pytest.importorskip("torch")
    write(tmp_path / "ok.py", BUG)
    os.mkfifo(tmp_path / "fifo.py")
    os.symlink("/dev/zero", tmp_path / "zero.py")
    result = capped_nnlint(tmp_path, "--dynamic", "fifo.py", "zero.py", "ok.py", timeout=90)
    lines = result.stdout.decode().splitlines()
    assert result.returncode == 1, result.stderr
    assert lines[0].startswith("fifo.py:1:1: NNL002 cannot read: not a regular file (a FIFO)")
    assert lines[2].startswith("zero.py:1:1: NNL002 cannot read: not a regular file (a character device)")
