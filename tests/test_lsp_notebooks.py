"""An editor's notebook (LSP notebookDocument/*): cells linted together, findings per cell."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pygls")

import os  # noqa: E402

from tests.test_lsp_session import LspClient, client, project  # noqa: E402,F401 - fixtures

CELLS = [
    ("markdown", "# Training\n"),
    ("python", "%matplotlib inline\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"),
    ("python", "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
               "        self.fc = nn.Linear(4, 3)\n\n    def forward(self, x):\n"
               "        return F.softmax(self.fc(x), dim=1)\n"),
    ("python", "net = Net()\nloss = nn.CrossEntropyLoss()(net(torch.randn(8, 4)), torch.randint(0, 3, (8,)))\n"),
]


def _cell_uri(notebook: Path, index: int) -> str:
    return f"vscode-notebook-cell://{notebook.as_posix()}#cell{index}"


def _initialize(client: LspClient, root: Path) -> dict:
    # VS Code says it syncs notebooks; only then does a server get their cells as notebooks.
    capabilities = {"textDocument": {"publishDiagnostics": {}}, "notebookDocument": {"synchronization": {}}}
    result = client.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(),
                                           "capabilities": capabilities})
    client.notify("initialized", {})
    return result


def _open_notebook(client: LspClient, notebook: Path) -> None:
    cells = [{"kind": 1 if language == "markdown" else 2, "document": _cell_uri(notebook, index)}
             for index, (language, _) in enumerate(CELLS)]
    documents = [{"uri": _cell_uri(notebook, index), "languageId": language, "version": 1, "text": text}
                 for index, (language, text) in enumerate(CELLS)]
    client.notify("notebookDocument/didOpen", {
        "notebookDocument": {"uri": notebook.as_uri(), "notebookType": "jupyter-notebook", "version": 1,
                             "cells": cells},
        "cellTextDocuments": documents,
    })


def test_notebook_cells_get_their_findings_at_lines_of_the_cell(client: LspClient, project: Path) -> None:
    capabilities = _initialize(client, project)["capabilities"]
    assert capabilities["notebookDocumentSync"]["notebookSelector"][0]["notebook"] == "jupyter-notebook"
    notebook = project / "train.ipynb"  # not on disk: the editor's cells are what is linted
    _open_notebook(client, notebook)
    model_cell = client.notification("textDocument/publishDiagnostics",
                                     lambda params: params["uri"] == _cell_uri(notebook, 2))
    [finding] = model_cell["diagnostics"]
    assert finding["code"] == "NNL101"
    assert finding["range"]["start"] == {"line": 6, "character": 15}  # line 7, column 16 of the cell
    # The other cells are published too (empty), so that a fixed cell loses its old findings.
    loss_cell = client.notification("textDocument/publishDiagnostics",
                                    lambda params: params["uri"] == _cell_uri(notebook, 3))
    assert loss_cell["diagnostics"] == []
