"""Static linting never imports or runs the code it lints, and never imports torch.

Each check runs in a fresh interpreter, so that nothing this test process imported hides an
import done by nnlint. The linted files would, if run or imported, create marker files; a
`torch.py` beside them traps an `import torch` made from their directory, and where the real
torch is installed (CI installs it) `sys.modules` is checked for it too.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# Each payload would leave its own marker file if it ever ran.
TRAIN = """\
import os
import socket
import subprocess

open({executed!r}, "w").write("module body ran")
os.system("touch " + {system!r})
subprocess.run(["touch", {subprocess!r}])
with socket.socket() as server:
    server.bind(("127.0.0.1", 0))
    open({socket!r}, "w").write("socket opened")

import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        open({init!r}, "w").write("model built")

    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)


if __name__ == "__main__":
    open({main!r}, "w").write("run as a script")

model = Net()
loss = nn.CrossEntropyLoss()(model(torch.randn(2, 4)), torch.tensor([0, 1]))
"""

TORCH_TRAP = """\
open({torch_imported!r}, "w").write("a torch.py next to the linted code was imported")
"""

BROKEN = "import torch\nopen({broken!r}, 'w').write('ran')\ndef f(x:\n"


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    markers_dir = tmp_path / "markers"
    markers_dir.mkdir()
    names = ("executed", "system", "subprocess", "socket", "init", "main", "torch_imported", "broken")
    markers = {name: markers_dir / name for name in names}
    strings = {name: str(path) for name, path in markers.items()}
    code = tmp_path / "code"
    code.mkdir()
    (code / "train.py").write_text(TRAIN.format(**strings), encoding="utf-8")
    (code / "torch.py").write_text(TORCH_TRAP.format(**strings), encoding="utf-8")
    (code / "broken.py").write_text(BROKEN.format(**strings), encoding="utf-8")
    return code, markers


def _run(code: str, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )


def _assert_nothing_ran(markers: dict[str, Path], result: subprocess.CompletedProcess) -> None:
    written = sorted(name for name, path in markers.items() if path.exists())
    assert not written, f"linting ran code: markers {written} were written\n{result.stdout}\n{result.stderr}"


# `python -c` puts the working directory first on sys.path: run there, an import of `train`
# or `torch` would pick up the linted files.
LINT_IN_PROCESS = """
import json, sys
from pathlib import Path
from nnlint.lint import lint_file, lint_source
from nnlint.rules import all_rules
codes = {rule.code for rule in all_rules()}
found = []
for name in sys.argv[1:]:
    found += lint_source(Path(name).read_bytes(), name, codes)
    found += lint_file(name, codes)
import nnlint.cli
print(json.dumps({
    "torch_modules": sorted(m for m in sys.modules if m == "torch" or m.startswith("torch.")),
    "codes": sorted({d.code for d in found}),
}))
"""


def test_lint_source_runs_nothing_and_imports_no_torch(project):
    code, markers = project
    result = _run(LINT_IN_PROCESS, code, "train.py", "broken.py", "torch.py")
    assert result.returncode == 0, result.stderr
    _assert_nothing_ran(markers, result)
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["torch_modules"] == []
    assert "NNL001" in report["codes"]  # the broken file was really read and parsed


# The CLI in-process, whatever its internals: `python -m nnlint check ...` run by runpy, then
# a look at sys.modules in the same interpreter.
CLI_IN_PROCESS = """
import json, runpy, sys
sys.argv = ["nnlint", "check", *sys.argv[1:]]
try:
    runpy.run_module("nnlint", run_name="__main__", alter_sys=True)
    status = 0
except SystemExit as stop:
    status = stop.code if isinstance(stop.code, int) or stop.code is None else 1
print(json.dumps({
    "status": status or 0,
    "torch_modules": sorted(m for m in sys.modules if m == "torch" or m.startswith("torch.")),
}))
"""


def test_cli_runs_nothing_and_imports_no_torch(project):
    code, markers = project
    result = _run(CLI_IN_PROCESS, code, "train.py", "broken.py", "torch.py", ".")
    _assert_nothing_ran(markers, result)
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["torch_modules"] == [], result.stdout
    assert report["status"] in (0, 1), result.stdout + result.stderr


def test_python_dash_m_nnlint_runs_nothing(project):
    code, markers = project
    result = subprocess.run(
        [sys.executable, "-m", "nnlint", "check", "."], cwd=code, capture_output=True, text=True, timeout=120
    )
    _assert_nothing_ran(markers, result)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "NNL001" in result.stdout, result.stdout + result.stderr


# -- code that runs on import, definition or subclassing, and modules that shadow nnlint's own --

TRICKY = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F


def mark(name):
    open({markers!r} + "/" + name, "w").write("ran")
    return lambda thing: thing


class Meta(type):
    def __new__(cls, name, bases, namespace):
        mark("metaclass")
        return super().__new__(cls, name, bases, namespace)


class Base(nn.Module):
    def __init_subclass__(cls, **kwargs):
        mark("init_subclass")
        super().__init_subclass__(**kwargs)


@mark("class_decorator")
class Net(Base):
    mark("class_body")
    scale = __import__("os").system("touch " + {markers!r} + "/system_in_class_body")

    def __init__(self, width=mark("default_argument"), *, act=__import__("subprocess").run(
            ["touch", {markers!r} + "/subprocess_in_default"])):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    @mark("method_decorator")
    def forward(self, x, sock=__import__("socket").create_server(("127.0.0.1", 0))):
        return F.softmax(self.fc(x), dim=1)


class Other(metaclass=Meta):
    pass


if __name__ == "__main__":
    mark("main")
'''

PACKAGE_INIT = '''\
open({markers!r} + "/package_init", "w").write("ran")
from .tricky import Net
'''

CROSS_FILE_TRAIN = '''\
import torch
import torch.nn as nn
from models import Net

model = Net()
loss = nn.CrossEntropyLoss()(model(torch.randn(2, 4)), torch.tensor([0, 1]))
'''

# `python -m nnlint` puts the working directory first on sys.path: without care, a project
# module named like one of nnlint's dependencies would be imported by nnlint itself.
SHADOWS = ("click", "libcst", "pathspec", "tomllib", "tomli", "pygls", "json", "typing_extensions")


def _tricky_project(tmp_path: Path) -> tuple[Path, Path]:
    markers = tmp_path / "markers"
    markers.mkdir()
    code = tmp_path / "code"
    (code / "models").mkdir(parents=True)
    (code / "models" / "__init__.py").write_text(PACKAGE_INIT.format(markers=str(markers)), encoding="utf-8")
    (code / "models" / "tricky.py").write_text(TRICKY.format(markers=str(markers)), encoding="utf-8")
    (code / "train.py").write_text(CROSS_FILE_TRAIN, encoding="utf-8")
    for name in SHADOWS:
        (code / f"{name}.py").write_text(
            f"open({str(markers)!r} + '/shadowed_{name}', 'w').write('imported')\n", encoding="utf-8")
    return code, markers


def test_definitions_defaults_decorators_and_metaclasses_never_run(tmp_path):
    code, markers = _tricky_project(tmp_path)
    result = subprocess.run([sys.executable, "-m", "nnlint", "check", "--isolated", "--no-cache", "."],
                            cwd=code, capture_output=True, text=True, timeout=120)
    assert sorted(path.name for path in markers.iterdir()) == [], result.stdout + result.stderr
    # The files were really read: the softmax in models/tricky.py reaches the loss in train.py.
    assert result.returncode == 1, result.stdout + result.stderr
    assert "NNL101" in result.stdout and "models/tricky.py" in result.stdout, result.stdout
    assert result.stderr == ""


def test_fix_and_project_run_in_parallel_run_nothing(tmp_path):
    code, markers = _tricky_project(tmp_path)
    for args in (["--fix", "--unsafe-fixes"], ["-j", "2"], ["--output-format", "sarif"]):
        result = subprocess.run([sys.executable, "-m", "nnlint", "check", "--isolated", "--no-cache", *args, "."],
                                cwd=code, capture_output=True, text=True, timeout=120)
        assert sorted(path.name for path in markers.iterdir()) == [], (args, result.stdout, result.stderr)
        assert result.returncode in (0, 1), (args, result.stderr)
