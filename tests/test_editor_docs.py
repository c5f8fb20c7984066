"""The editor setups in docs/editors.md, run as written, in the editors that are installed.

Each snippet is taken from the page itself, so the page cannot drift from what was tried. An
editor that is not installed skips its test (CI has none of them; a developer machine may).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCS = (REPO / "docs" / "editors.md").read_text(encoding="utf-8")
TIMEOUT = 60

MODEL = textwrap.dedent('''\
    import torch
    import torch.nn.functional as F


    def loss(logits):
        tag = "é😋"; p = torch.log(F.softmax(logits, dim=-1))
        return p
''')
CALL = "torch.log(F.softmax(logits, dim=-1))"
LINE = MODEL.splitlines()[5]
COLUMN = LINE.index(CALL) + 1  # in characters, from 1


def snippets(language: str, containing: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", DOCS, re.DOTALL)
    [block] = [block for block in blocks if containing in block]
    return block


@pytest.fixture
def project(tmp_path: Path) -> Path:
    # NNL202 is opt-in: the project enables it, as its finding is what the editors show here.
    (tmp_path / "pyproject.toml").write_text('[tool.nnlint]\nextend-select = ["NNL202"]\n')
    (tmp_path / "model.py").write_text(MODEL, encoding="utf-8")
    return tmp_path


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """An environment where `nnlint` is this checkout's, as after `pip install nnlint`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "nnlint"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m nnlint "$@"\n')
    wrapper.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(REPO),
            "HOME": str(tmp_path)}


def run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)


def needs(program: str) -> None:
    if shutil.which(program) is None:
        pytest.skip(f"{program} is not installed")


def test_vscode_problem_matcher_reads_the_text_format(project: Path, env: dict[str, str]) -> None:
    needs("node")
    task = json.loads(snippets("json", "problemMatcher"))["tasks"][0]
    output = run(["/bin/sh", "-c", task["command"]], project, env).stdout
    pattern = task["problemMatcher"]["pattern"]
    script = ("const p = JSON.parse(process.argv[1]); const re = new RegExp(p.regexp);"
              "for (const line of require('fs').readFileSync(0, 'utf8').split('\\n')) {"
              " const m = re.exec(line); if (m) console.log(JSON.stringify("
              "[m[p.file], m[p.line], m[p.column], m[p.code], m[p.message]])); }")
    matched = subprocess.run(["node", "-e", script, json.dumps(pattern)], input=output, capture_output=True,
                             text=True, timeout=TIMEOUT, check=True).stdout.splitlines()
    [finding] = [json.loads(line) for line in matched]
    assert finding[:4] == ["model.py", "6", str(COLUMN), "NNL202"]
    assert finding[4].startswith("log of softmax output")


def test_vim_makeprg_fills_the_quickfix_list(project: Path, env: dict[str, str]) -> None:
    needs("vim")
    autocmd = snippets("vim", "makeprg").strip()
    report = project / "quickfix.txt"
    commands = ["filetype on", autocmd, "edit model.py", "silent make", f"redir! > {report}",
                "for e in getqflist() | if e.valid | echo bufname(e.bufnr) e.lnum e.text[:6] | endif | endfor",
                "redir END", "qall!"]
    args = ["vim", "-N", "-u", "NONE", "-i", "NONE", "-es"]
    for command in commands:
        args += ["-c", command]
    run(args, project, env)
    assert report.read_text().split() == ["model.py", "6", "NNL202"]


EMACS_REPORT = '''
(find-file "model.py")
(python-mode)
{start}
(let ((tries 0))
  (while (and (< tries 300) {pending})
    (accept-process-output nil 0.1)
    (setq tries (1+ tries))))
(let ((found (mapconcat #'identity {spans} "\\n")))  ; in model.py's buffer, not the file's
  (with-temp-file "report.txt" (insert found)))
'''


def _emacs(project: Path, env: dict[str, str], feature: str, setup: str, start: str, pending: str,
           spans: str) -> list[str]:
    needs("emacs")
    probe = run(["emacs", "--batch", "--eval", f"(require '{feature})"], project, env)
    if probe.returncode != 0:
        pytest.skip(f"the Emacs package {feature} is not installed")
    script = project / "setup.el"
    script.write_text(f"(require '{feature})\n{setup}\n"
                      + EMACS_REPORT.format(start=start, pending=pending, spans=spans), encoding="utf-8")
    result = run(["emacs", "--batch", "-l", str(script)], project, env)
    report = project / "report.txt"
    assert report.exists(), result.stderr[-2000:]
    return report.read_text(encoding="utf-8").splitlines()


def test_emacs_flycheck_checker(project: Path, env: dict[str, str]) -> None:
    spans = ("(mapcar (lambda (e) (let ((pos (flycheck-error-pos e))) (format \"%s %s\" (flycheck-error-id e) "
             "(buffer-substring pos (+ pos 9))))) flycheck-current-errors)")
    found = _emacs(project, env, "flycheck", snippets("elisp", "flycheck-define-checker"),
                   "(setq flycheck-checker 'nnlint) (flycheck-mode 1) (flycheck-buffer)",
                   "(flycheck-running-p)", spans)
    assert found == ["NNL202 torch.log"]


def test_emacs_eglot_server(project: Path, env: dict[str, str]) -> None:
    spans = ("(mapcar (lambda (d) (buffer-substring (flymake-diagnostic-beg d) (flymake-diagnostic-end d))) "
             "(flymake-diagnostics))")
    found = _emacs(project, env, "eglot", snippets("elisp", "eglot-server-programs"),
                   "(apply #'eglot (eglot--guess-contact))", "(null (flymake-diagnostics))", spans)
    assert found == [CALL]
