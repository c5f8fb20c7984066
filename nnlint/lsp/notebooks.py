"""Notebook documents (LSP 3.17 `notebookDocument/*`): an editor such as VS Code sends a
Jupyter notebook as a list of cells, each cell its own text document. The cells are linted
together, as `nnlint check nb.ipynb` lints the file (a model defined in one cell is known in
the next), and each cell's findings are published on that cell's URI, at lines of the cell.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import to_fs_path

from nnlint.lsp.conversion import lsp_diagnostic, split_lines

if TYPE_CHECKING:
    from nnlint.lsp.server import NnlintServer

# Jupyter notebooks with Python cells; markdown cells come along so cells keep their numbers.
SYNC_OPTIONS = types.NotebookDocumentSyncOptions(notebook_selector=[
    types.NotebookDocumentFilterWithNotebook(notebook="jupyter-notebook",
                                             cells=[types.NotebookCellLanguage(language="python"),
                                                    types.NotebookCellLanguage(language="markdown")]),
])


def is_cell(server: "NnlintServer", uri: str) -> bool:
    """Whether `uri` is a cell of an open notebook (linted with its notebook, not alone)."""
    return server.workspace.get_notebook_document(cell_uri=uri) is not None


def notebook_json(server: "NnlintServer", notebook: types.NotebookDocument) -> str:
    """The notebook as nbformat 4 JSON built from the editor's cells (not the file on disk)."""
    cells = []
    for cell in notebook.cells:
        document = server.workspace.text_documents.get(cell.document)
        text = document.source if document is not None else ""
        if cell.kind != types.NotebookCellKind.Code:
            cells.append({"cell_type": "markdown", "metadata": {}, "source": text})
            continue
        language = document.language_id if document is not None else "python"
        cells.append({"cell_type": "code", "metadata": {"vscode": {"languageId": language or "python"}},
                      "outputs": [], "execution_count": None, "source": text})
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def schedule(server: "NnlintServer", uri: str, delay: float) -> None:
    """Lint notebook `uri` after `delay` seconds, replacing a lint not started yet."""
    previous = server.pending.pop(uri, None)
    if previous is not None:
        previous.cancel()
    server.pending[uri] = asyncio.get_running_loop().create_task(_lint_after(server, uri, delay))


async def _lint_after(server: "NnlintServer", uri: str, delay: float) -> None:
    if delay > 0:
        await asyncio.sleep(delay)
    notebook = server.workspace.get_notebook_document(notebook_uri=uri)
    if notebook is None:
        return
    version, text = notebook.version, notebook_json(server, notebook)
    path = to_fs_path(uri) or "untitled.ipynb"
    loop = asyncio.get_running_loop()
    findings, error = await loop.run_in_executor(server.worker, server._findings, text, path)
    if error is not None:
        server._show_once(error)
    current = server.workspace.get_notebook_document(notebook_uri=uri)
    if findings is None or current is None or current.version != version:
        return  # a newer version has its own lint coming
    publish(server, current, findings)


def publish(server: "NnlintServer", notebook: types.NotebookDocument, findings: list) -> None:
    """Each cell's findings on its URI; cells without any get an empty list (clearing old ones)."""
    by_cell: dict[str, list[types.Diagnostic]] = {cell.document: [] for cell in notebook.cells}
    for finding in findings:
        if finding.cell is None or not 0 < finding.cell.cell <= len(notebook.cells):
            continue
        cell_uri = notebook.cells[finding.cell.cell - 1].document
        document = server.workspace.text_documents.get(cell_uri)
        lines = split_lines(document.source if document is not None else "")
        # In the cell's own lines; related places and fixes are in the joined code, so left out.
        in_cell = dataclasses.replace(finding, start=finding.cell.start, end=finding.cell.end, related=(), fix=None,
                                      cell=None)
        by_cell[cell_uri].append(lsp_diagnostic(in_cell, lines, cell_uri, server.encoding))
    for cell_uri, diagnostics in by_cell.items():
        server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=cell_uri, diagnostics=diagnostics))


def register(server: "NnlintServer") -> None:
    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    async def did_open(ls: "NnlintServer", params: types.DidOpenNotebookDocumentParams) -> None:
        schedule(ls, params.notebook_document.uri, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    async def did_change(ls: "NnlintServer", params: types.DidChangeNotebookDocumentParams) -> None:
        schedule(ls, params.notebook_document.uri, ls.debounce_seconds)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    async def did_close(ls: "NnlintServer", params: types.DidCloseNotebookDocumentParams) -> None:
        previous = ls.pending.pop(params.notebook_document.uri, None)
        if previous is not None:
            previous.cancel()
        for cell in params.cell_text_documents:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=cell.uri, diagnostics=[]))

