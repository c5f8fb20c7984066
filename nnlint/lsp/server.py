"""`nnlint server`: a Language Server over stdio that lints the buffers an editor has open.

The text linted is always the editor's, never the file on disk, with the settings
`nnlint check --stdin-filename PATH` would use (read afresh for every lint, so that an edited
`pyproject.toml` takes effect on the next keystroke). Only static analysis runs: the server
never imports or executes the code, whatever the configuration says about dynamic mode.

Typing produces a change per keystroke; linting is debounced so that only the text that stays
for a moment is linted, on one worker thread so that the connection keeps answering.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO, Callable, Optional, Sequence

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from nnlint import __version__
from nnlint.buffer_lint import config_for, fix_buffer, lint_buffer
from nnlint.config import ConfigError
from nnlint.diagnostic import Diagnostic
from nnlint.lsp import notebooks
from nnlint.lsp.code_actions import FIX_ALL_KIND, code_actions, fix_all_action
from nnlint.lsp.hover import hover
from nnlint.lint import read_file
from nnlint.lsp.conversion import lsp_diagnostic, ranges_overlap, split_lines
from nnlint.lsp.framing import MessageReader
from nnlint.parse import decode_source

DEBOUNCE_SECONDS = 0.3
_PYTHON_SUFFIXES = (".py", ".pyi")
_CONFIG_FILENAME = "pyproject.toml"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LintedText:
    """One lint of one document version: the findings and the text they were found in."""

    version: Optional[int]
    text: str
    lines: list[str]
    findings: list[tuple[Diagnostic, types.Diagnostic]]


class NnlintServer(LanguageServer):
    """Keeps, per open document, the pending lint and the last published result."""

    def __init__(self, debounce_seconds: float = DEBOUNCE_SECONDS) -> None:
        super().__init__("nnlint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         notebook_document_sync=notebooks.SYNC_OPTIONS)
        self.debounce_seconds = debounce_seconds
        self.pending: dict[str, asyncio.Task] = {}
        self.linted: dict[str, LintedText] = {}
        self.shown_errors: set[str] = set()
        # One worker: lints run one at a time, off the thread that reads the connection.
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nnlint-lint")

    def start_io(self, stdin: Optional[BinaryIO] = None, stdout: Optional[BinaryIO] = None) -> None:
        """Serve over stdio as pygls does, but with framing that survives a bad header
        (nnlint/lsp/framing.py): pygls's own reader goes deaf for the rest of the session."""
        self._stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(self._read_messages(stdin or sys.stdin.buffer))
        except BrokenPipeError:
            logger.error("the connection to the client is lost; shutting down")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()

    async def _read_messages(self, stdin: BinaryIO) -> None:
        loop = asyncio.get_running_loop()
        bodies: "asyncio.Queue[Optional[bytes]]" = asyncio.Queue()
        reader = MessageReader(_reader_of(stdin), lambda text: logger.warning("LSP framing: %s", text))

        def read_all() -> None:
            # A daemon thread: a read that blocks at exit must not keep the process alive.
            while True:
                body = reader.next_body()
                loop.call_soon_threadsafe(bodies.put_nowait, body)
                if body is None:
                    return

        threading.Thread(target=read_all, name="nnlint-lsp-read", daemon=True).start()
        while not self._stop_event.is_set():
            body = await bodies.get()
            if body is None:
                return
            try:
                self.protocol.handle_message(json.loads(body, object_hook=self.protocol.structure_message))
            except Exception as error:  # noqa: BLE001 - one bad message must not end the session
                logger.exception("unable to handle a message")
                self.report_server_error(error, JsonRpcException)

    @property
    def encoding(self) -> str:
        """The negotiated position encoding's name ("utf-16", "utf-8" or "utf-32")."""
        encoding = self.workspace.position_encoding or types.PositionEncodingKind.Utf16
        # str() of this enum gives "PositionEncodingKind.Utf8", not the name the client sent.
        return encoding.value if isinstance(encoding, types.PositionEncodingKind) else encoding

    def schedule(self, uri: str, delay: float, settings_changed: bool = False) -> None:
        """Lint `uri` after `delay` seconds, replacing a lint not started yet. Unless the
        settings changed, a text that was linted already (a save, an undo) is not linted again."""
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self._lint_after(uri, delay, settings_changed))

    def relint_all(self) -> None:
        """The settings changed: every open buffer may have other findings now."""
        self.shown_errors.clear()
        for uri in list(self.workspace.text_documents):
            self.schedule(uri, 0, settings_changed=True)

    def forget(self, uri: str) -> None:
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.linted.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    async def _lint_after(self, uri: str, delay: float, settings_changed: bool) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        document = self.workspace.text_documents.get(uri)
        if document is None or not is_python(document) or notebooks.is_cell(self, uri):
            return
        text, version = document.source, document.version
        known = self.linted.get(uri)
        if known is not None and known.text == text and not settings_changed:
            # Its findings are published already; they now belong to this version too.
            self.linted[uri] = dataclasses.replace(known, version=version)
            return
        path = document_path(document)
        loop = asyncio.get_running_loop()
        findings, error = await loop.run_in_executor(self.worker, self._findings, text, path)
        if error is not None:
            self._show_once(error)
        current = self.workspace.text_documents.get(uri)
        if findings is None or current is None or current.version != version:
            return  # a newer text has its own lint coming
        lines = split_lines(text)
        encoding = self.encoding
        pairs = [(finding, lsp_diagnostic(finding, lines, uri, encoding, self.lines_of)) for finding in findings]
        self.linted[uri] = LintedText(version, text, lines, pairs)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=version, diagnostics=[published for _, published in pairs]))

    @staticmethod
    def _findings(text: str, path: str) -> tuple[Optional[list[Diagnostic]], Optional[str]]:
        """Runs on the worker thread: the findings to publish (None: keep the last ones) and
        a message for the user when something went wrong (a broken config, a bug of nnlint)."""
        try:
            config = config_for(path)
        except ConfigError as error:
            # Findings under settings the user did not write would mislead: publish none.
            return [], f"nnlint: {error}"
        try:
            run = lint_buffer(text, path, config)
        except Exception as error:  # noqa: BLE001 - one file's crash must not end the session
            logger.exception("internal error while checking %s", path)
            return None, f"nnlint: internal error while checking {path}: {type(error).__name__}: {error} (please report)"
        if run.internal_errors:
            # The file's own findings still count when only linking it to other files failed.
            _, error_text = run.internal_errors[0]
            return run.diagnostics, f"nnlint: internal error while checking {path}: {error_text} (please report)"
        if run.rule_errors:
            return run.diagnostics, f"nnlint: error while checking {path}: {run.rule_errors[0][1]}"
        return run.diagnostics, None

    @staticmethod
    def lines_of(path: str) -> Optional[list[str]]:
        """Another project file's lines, for positions in it: from disk, as the project run
        read it (an unsaved buffer of that file is not what nnlint analysed)."""
        data = read_file(path)
        text = decode_source(data) if isinstance(data, bytes) else None
        return split_lines(text) if isinstance(text, str) else None

    def _show_once(self, message: str) -> None:
        if message in self.shown_errors:
            return
        self.shown_errors.add(message)
        self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=message))

    async def fix_all(self, document: TextDocument) -> Optional[types.CodeAction]:
        """Every safe fix of the document's current text, as one action (None: nothing to fix)."""
        text, version, path = document.source, document.version, document_path(document)

        def fixed_text() -> Optional[str]:
            try:
                return fix_buffer(text, path, config_for(path))
            except ConfigError:
                return None  # already shown when the document was linted
        fixed = await asyncio.get_running_loop().run_in_executor(self.worker, fixed_text)
        if fixed is None:
            return None
        return fix_all_action(text, fixed, document.uri, version, self.encoding, self.supports_versioned_edits())

    def supports_versioned_edits(self) -> bool:
        workspace = self.client_capabilities.workspace
        workspace_edit = workspace.workspace_edit if workspace else None
        return bool(workspace_edit and workspace_edit.document_changes)


def _reader_of(stream: BinaryIO) -> Callable[[int], bytes]:
    """What is available of `stream`, up to n bytes. The file descriptor itself where there
    is one: a daemon thread blocked in a buffered read aborts the interpreter at exit."""
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return getattr(stream, "read1", stream.read)
    return lambda size: os.read(descriptor, size)


def _wanted(kind: str, only: Optional[Sequence[str]]) -> bool:
    """Whether the client's `only` filter lets actions of `kind` through (kinds nest by dots)."""
    return not only or any(kind == wanted or kind.startswith(f"{wanted}.") for wanted in only)


def is_python(document: TextDocument) -> bool:
    return document.language_id == "python" or document_path(document).endswith(_PYTHON_SUFFIXES)


def document_path(document: TextDocument) -> str:
    """The path the document is configured and reported as (unsaved buffers: their name,
    relative to the working directory)."""
    return os.path.normpath(document.path) if document.path else "untitled.py"


def build_server(debounce_seconds: float = DEBOUNCE_SECONDS) -> NnlintServer:
    server = NnlintServer(debounce_seconds)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: NnlintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: NnlintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, ls.debounce_seconds)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: NnlintServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.endswith("/" + _CONFIG_FILENAME):
            ls.relint_all()
        else:
            ls.schedule(uri, 0)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: NnlintServer, params: types.InitializedParams) -> None:
        # pyproject.toml also changes outside the editor (a git checkout, another tool): ask the
        # client to say so, when it can watch files for a server.
        workspace = ls.client_capabilities.workspace
        watching = workspace.did_change_watched_files if workspace else None
        if watching and watching.dynamic_registration:
            options = types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[types.FileSystemWatcher(glob_pattern=f"**/{_CONFIG_FILENAME}")])
            await ls.client_register_capability_async(types.RegistrationParams(registrations=[
                types.Registration(id="nnlint-config", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                                   register_options=options)]))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def config_changed(ls: NnlintServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(change.uri.endswith("/" + _CONFIG_FILENAME) for change in params.changes):
            ls.relint_all()

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: NnlintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND]),
    )
    async def code_action(ls: NnlintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        document = ls.workspace.text_documents.get(uri)
        if document is None or not is_python(document) or notebooks.is_cell(ls, uri):
            return []
        only = params.context.only
        actions: list[types.CodeAction] = []
        linted = ls.linted.get(uri)
        # Findings of an older text would put their edits in the wrong place.
        current = linted if linted is not None and linted.version == document.version else None
        if current is not None and _wanted(types.CodeActionKind.QuickFix, only):
            versioned = ls.supports_versioned_edits()
            for finding, published in current.findings:
                if ranges_overlap(published.range, params.range):
                    actions.extend(code_actions(finding, published, current.text, current.lines, uri,
                                                current.version, ls.encoding, versioned))
        asked_for_fix_all = bool(only) and _wanted(FIX_ALL_KIND, only)
        fixable = current is not None and any(f.fix is not None and f.fix.is_safe for f, _ in current.findings)
        if asked_for_fix_all or (fixable and _wanted(FIX_ALL_KIND, only)):
            action = await ls.fix_all(document)
            if action is not None:
                actions.append(action)
        return actions

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover_rule(ls: NnlintServer, params: types.HoverParams) -> Optional[types.Hover]:
        document = ls.workspace.text_documents.get(params.text_document.uri)
        linted = ls.linted.get(params.text_document.uri)
        # Findings of an older text would answer for the wrong characters.
        if document is None or linted is None or linted.version != document.version:
            return None
        return hover(linted.findings, params.position)

    notebooks.register(server)
    return server


def serve() -> None:
    """Run the server on stdin/stdout until the client says exit."""
    build_server().start_io()
