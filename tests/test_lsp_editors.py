"""The language server as each editor setup in docs/editors.md starts it.

Each configuration (VS Code's generic client, Neovim's two, Helix's, Emacs eglot's) is read
from the page, and the server is started with exactly its command and arguments (`nnlint` on
PATH, as after an install), then spoken to over stdio as the editor would: the finding is
published, hovering over it returns the rule's page as `nnlint rule CODE` prints it, and the
source.fixAll.nnlint action fixes what `nnlint check --fix` fixes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("pygls", reason="the language server needs the `lsp` extra (pygls)")

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the tomli backport has the same API
    import tomli as tomllib

from test_lsp_session import TIMEOUT, LspClient, apply_edits, diagnostics_of, initialize, open_document

REPO = Path(__file__).resolve().parent.parent
DOCS = (REPO / "docs" / "editors.md").read_text(encoding="utf-8")

SOURCE = textwrap.dedent('''\
    import torch
    import torch.nn.functional as F


    def loss(logits, model, x):
        tag = "é😋"; p = torch.log(F.softmax(logits, dim=-1))
        q = torch.log(torch.sigmoid(logits))
        return p + q + model.forward(x)
''')


def blocks(language: str, containing: str) -> list[str]:
    return [block for block in re.findall(rf"```{language}\n(.*?)```", DOCS, re.DOTALL) if containing in block]


def _strings(text: str) -> list[str]:
    return re.findall(r'"([^"]*)"', text)


def vscode_command() -> list[str]:
    [block] = blocks("json", "glspc.server.command")
    settings = json.loads(block)
    assert "python" in settings["glspc.server.languageId"]
    return [settings["glspc.server.command"], *settings["glspc.server.commandArguments"]]


def neovim_commands() -> list[list[str]]:
    found = [_strings(re.search(r"cmd = \{([^}]*)\}", block).group(1)) for block in blocks("lua", "cmd = {")]
    assert len(found) == 2  # vim.lsp.config (0.11+) and vim.lsp.start (0.8-0.10)
    return found


def helix_command() -> list[str]:
    [block] = blocks("toml", "[language-server.nnlint]")
    config = tomllib.loads(block)
    [python] = [language for language in config["language"] if language["name"] == "python"]
    assert "nnlint" in python["language-servers"]
    server = config["language-server"]["nnlint"]
    return [server["command"], *server.get("args", [])]


def eglot_command() -> list[str]:
    [block] = blocks("elisp", "eglot-server-programs")
    # '((python-mode python-ts-mode) "nnlint" "server"): the modes, then the program and its arguments.
    contact = re.search(r"'\(\([^)]*\)((?:\s+\"[^\"]*\")+)\)", block)
    assert contact is not None, block
    return _strings(contact.group(1))


CONFIGURATIONS = {
    "vscode-glspc": vscode_command,
    "neovim-0.11-vim.lsp.config": lambda: neovim_commands()[0],
    "neovim-0.8-vim.lsp.start": lambda: neovim_commands()[1],
    "helix-languages.toml": helix_command,
    "emacs-eglot": eglot_command,
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    # NNL202 and NNL604 are opt-in; their fixes are what the editor applies here.
    (root / "pyproject.toml").write_text('[tool.nnlint]\nextend-select = ["NNL202", "NNL604"]\n')
    return root


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """`nnlint` on PATH is this checkout's, as after `pip install 'nnlint[lsp]'`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "nnlint"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m nnlint "$@"\n')
    wrapper.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(REPO)}


def nnlint(args: list[str], cwd: Path, env: dict[str, str], stdin: str = "") -> str:
    result = subprocess.run(["nnlint", *args], input=stdin, capture_output=True, text=True, cwd=cwd, env=env,
                            timeout=TIMEOUT)
    return result.stdout


@pytest.mark.parametrize("editor", sorted(CONFIGURATIONS))
def test_editor_configuration_starts_a_server_with_hover_and_fix_all(editor: str, project: Path,
                                                                      env: dict[str, str]) -> None:
    command = CONFIGURATIONS[editor]()
    assert command == ["nnlint", "server"]
    client = LspClient(project, command=command, env=env)
    try:
        capabilities = initialize(client, project)["capabilities"]
        assert capabilities["hoverProvider"] is True
        model = project / "model.py"
        open_document(client, model, SOURCE)
        findings = diagnostics_of(client, model)
        assert [f["code"] for f in findings] == ["NNL202", "NNL202", "NNL604"]

        # The pointer on the `F.softmax` inside the flagged call: the rule's page, as the CLI prints it.
        first = findings[0]["range"]
        inside = {"line": first["start"]["line"], "character": first["start"]["character"] + 12}
        answer = client.request("textDocument/hover", {"textDocument": {"uri": model.as_uri()}, "position": inside})
        assert answer["contents"]["kind"] == "markdown"
        page = nnlint(["rule", "NNL202"], project, env)
        assert page.startswith("# NNL202: log-of-softmax")
        assert answer["contents"]["value"] == page
        assert answer["range"] == first
        # Off any finding there is nothing to show.
        nothing = client.request("textDocument/hover", {"textDocument": {"uri": model.as_uri()},
                                                        "position": {"line": 0, "character": 3}})
        assert nothing is None

        # Every safe fix at once, as VS Code asks for on save: the same text `check --fix` writes.
        [fix_all] = client.request("textDocument/codeAction", {
            "textDocument": {"uri": model.as_uri()},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": [], "only": ["source.fixAll"]},
        })
        assert fix_all["kind"] == "source.fixAll.nnlint"
        fixed = apply_edits(SOURCE, fix_all["edit"]["documentChanges"][0]["edits"])
        assert fixed == nnlint(["check", "--fix", "--quiet", "--stdin-filename", "model.py"], project, env, SOURCE)
        assert "F.log_softmax(logits, dim=-1)" in fixed and "model(x)" in fixed and "torch.log" not in fixed

        assert client.request("shutdown", None) is None
        client.notify("exit", None)
        assert client.process.wait(timeout=TIMEOUT) == 0
    finally:
        client.close()
