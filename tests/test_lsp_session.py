"""`nnlint server` spoken to as an editor would: a JSON-RPC client over the server's stdio.

The client here is deliberately small and independent of pygls (Content-Length framing,
requests, notifications, answering the server's own requests with null), so that the test
checks the wire format an editor sees, not pygls talking to itself. Every wait has a timeout:
a server that hangs fails the test instead of blocking CI.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

pytest.importorskip("pygls", reason="the language server needs the `lsp` extra (pygls)")

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 20.0

BUGGY = textwrap.dedent('''\
    import torch
    import torch.nn.functional as F


    def loss(logits):
        tag = "é😋"; p = torch.log(F.softmax(logits, dim=-1))
        return p
''')
BUGGY_LINE = 5  # 0-based, as LSP counts
CALL = "torch.log(F.softmax(logits, dim=-1))"


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def utf16_offset(text: str, line: int, character: int) -> int:
    """The string index of an LSP (line, UTF-16 character) position in `text`."""
    lines = text.split("\n")
    offset = sum(len(previous) + 1 for previous in lines[:line])
    units = 0
    for index, char in enumerate(lines[line]):
        if units >= character:
            return offset + index
        units += utf16_units(char)
    return offset + len(lines[line])


def apply_edits(text: str, edits: list[dict]) -> str:
    """What an editor does with a list of TextEdits (applied from the last one backwards)."""
    spans = []
    for edit in edits:
        start = utf16_offset(text, edit["range"]["start"]["line"], edit["range"]["start"]["character"])
        end = utf16_offset(text, edit["range"]["end"]["line"], edit["range"]["end"]["character"])
        spans.append((start, end, edit["newText"]))
    for start, end, new_text in sorted(spans, reverse=True):
        text = text[:start] + new_text + text[end:]
    return text


class LspClient:
    """Speaks LSP to a subprocess; a reader thread turns its stdout into messages."""

    def __init__(self, cwd: Path, command: Optional[list[str]] = None, env: Optional[dict[str, str]] = None) -> None:
        """`command` starts the server (default: this checkout's `python -m nnlint server`)."""
        if env is None:
            env = {**os.environ,
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
        self.process = subprocess.Popen(
            command or [sys.executable, "-m", "nnlint", "server"], cwd=cwd, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        self.messages: "queue.Queue[dict]" = queue.Queue()
        self.notifications: list[dict] = []
        self.registrations: list[dict] = []  # what the server asked this client to do for it
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            headers = {}
            while True:
                line = stream.readline()
                if not line:
                    return
                line = line.decode("ascii").strip()
                if not line:
                    break
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            self.messages.put(json.loads(body.decode("utf-8")))

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        request_id = self.next_id
        self.send({"id": request_id, "method": method, "params": params})
        reply = self._wait(lambda message: message.get("id") == request_id and "method" not in message)
        assert "error" not in reply, reply
        return reply.get("result")

    def notification(self, method: str, where: Callable[[dict], bool] = lambda params: True) -> dict:
        """The params of the next notification `method` that satisfies `where`."""
        for seen in self.notifications:
            if seen["method"] == method and where(seen["params"]):
                self.notifications.remove(seen)
                return seen["params"]
        message = self._wait(lambda message: message.get("method") == method and where(message.get("params")))
        return message["params"]

    def _wait(self, wanted: Callable[[dict], bool]) -> dict:
        import time

        deadline = time.monotonic() + TIMEOUT
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no answer within {TIMEOUT} s; stderr: {self._stderr()}")
            try:
                message = self.messages.get(timeout=remaining)
            except queue.Empty:
                continue
            if "method" in message and "id" in message:
                if message["method"] == "client/registerCapability":
                    self.registrations.extend(message["params"]["registrations"])
                self.send({"id": message["id"], "result": None})
                continue
            if wanted(message):
                return message
            if "method" in message:
                self.notifications.append(message)

    def _stderr(self) -> str:
        if self.process.poll() is None:
            return "(server still running)"
        return self.process.stderr.read().decode("utf-8", "replace")[-3000:]

    def close(self) -> Optional[int]:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=TIMEOUT)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            stream.close()
        return self.process.returncode


def initialize(client: LspClient, root: Path, encodings: Optional[list[str]] = None) -> dict:
    capabilities: dict[str, Any] = {
        "workspace": {"workspaceEdit": {"documentChanges": True},
                      "didChangeWatchedFiles": {"dynamicRegistration": True}},
        "textDocument": {"publishDiagnostics": {"relatedInformation": True}},
    }
    if encodings:
        capabilities["general"] = {"positionEncodings": encodings}
    result = client.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(),
                                           "capabilities": capabilities})
    client.notify("initialized", {})
    return result


def open_document(client: LspClient, path: Path, text: str, version: int = 1) -> None:
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": path.as_uri(), "languageId": "python", "version": version, "text": text}})


def diagnostics_of(client: LspClient, path: Path, version: Optional[int] = None) -> list[dict]:
    uri = path.as_uri()
    params = client.notification(
        "textDocument/publishDiagnostics",
        lambda params: params["uri"] == uri and (version is None or params.get("version") == version))
    return params["diagnostics"]


def change_document(client: LspClient, path: Path, text: str, version: int) -> None:
    client.notify("textDocument/didChange", {
        "textDocument": {"uri": path.as_uri(), "version": version},
        "contentChanges": [{"text": text}],
    })


@pytest.fixture
def project(tmp_path: Path) -> Path:
    # Dynamic settings are there to show that the server ignores them: it never runs code.
    # NNL202 (and NNL201, which it supersedes) are opt-in: the project enables them, since
    # NNL202's fix is the example these tests follow through the editor.
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent('''\
        [tool.nnlint]
        extend-select = ["NNL201", "NNL202"]
        per-file-ignores = { "legacy/*" = ["NNL202"] }

        [tool.nnlint.dynamic]
        timeout = 5
    '''))
    # The server runs in the project (`python -m` puts it first on sys.path): importing torch,
    # or running the linted code (which imports torch), would run this and leave a marker.
    (tmp_path / "torch.py").write_text("open('IMPORTED', 'w').write('torch')\n")
    return tmp_path


@pytest.fixture
def client(project: Path):
    session = LspClient(project)
    yield session
    session.close()
    assert not (project / "IMPORTED").exists(), (project / "IMPORTED").read_text()


def test_session_publishes_fixes_and_clears_findings(client: LspClient, project: Path) -> None:
    capabilities = initialize(client, project)["capabilities"]
    assert capabilities["codeActionProvider"]["codeActionKinds"] == ["quickfix", "source.fixAll.nnlint"]

    model = project / "model.py"
    model.write_text("import torch\n")  # the disk says clean: the buffer is what counts
    open_document(client, model, BUGGY)
    [finding] = diagnostics_of(client, model)
    assert finding["code"] == "NNL202"
    assert finding["source"] == "nnlint"
    assert finding["severity"] == 2  # Warning
    assert "codeDescription" not in finding  # this package declares no address for rule pages (nnlint.project_urls)
    line = BUGGY.splitlines()[BUGGY_LINE]
    prefix = line[:line.index(CALL)]
    # 😋 is one character to nnlint but two UTF-16 units to the editor.
    assert utf16_units(prefix) == len(prefix) + 1
    assert finding["range"] == {
        "start": {"line": BUGGY_LINE, "character": utf16_units(prefix)},
        "end": {"line": BUGGY_LINE, "character": utf16_units(prefix + CALL)},
    }

    cursor = {"start": finding["range"]["start"], "end": finding["range"]["start"]}
    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": model.as_uri()}, "range": cursor,
        "context": {"diagnostics": [finding]},
    })
    titles = [action["title"] for action in actions]
    assert titles == ["nnlint (NNL202): Replace with `F.log_softmax(logits, dim=-1)`",
                      "nnlint: disable NNL202 for this line (# noqa)",
                      "nnlint: fix all safe fixes"]
    fix, silence, fix_all = actions
    assert fix["kind"] == "quickfix" and fix["isPreferred"] is True
    assert fix["diagnostics"][0]["code"] == "NNL202"
    [document_edit] = fix["edit"]["documentChanges"]
    assert document_edit["textDocument"] == {"uri": model.as_uri(), "version": 1}
    fixed = apply_edits(BUGGY, document_edit["edits"])
    assert fixed.splitlines()[BUGGY_LINE] == '    tag = "é😋"; p = F.log_softmax(logits, dim=-1)'
    silenced = apply_edits(BUGGY, silence["edit"]["documentChanges"][0]["edits"])
    assert silenced.splitlines()[BUGGY_LINE] == line + "  # noqa: NNL202"
    assert apply_edits(BUGGY, fix_all["edit"]["documentChanges"][0]["edits"]) == fixed

    # What VS Code asks for on save with "source.fixAll": only that kind, wherever the cursor is.
    on_save = client.request("textDocument/codeAction", {
        "textDocument": {"uri": model.as_uri()},
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
        "context": {"diagnostics": [], "only": ["source.fixAll"]},
    })
    assert [action["kind"] for action in on_save] == ["source.fixAll.nnlint"]
    assert apply_edits(BUGGY, on_save[0]["edit"]["documentChanges"][0]["edits"]) == fixed

    # Keystrokes in a burst are linted once, at the last version.
    change_document(client, model, BUGGY + "\n", 2)
    change_document(client, model, BUGGY, 3)
    # The fix applied as an editor sends it: the edit's range (UTF-16) replaced in place.
    client.notify("textDocument/didChange", {
        "textDocument": {"uri": model.as_uri(), "version": 4},
        "contentChanges": [{"range": edit["range"], "text": edit["newText"]}
                           for edit in reversed(document_edit["edits"])],
    })
    assert diagnostics_of(client, model) == []
    assert not [seen for seen in client.notifications if seen["method"] == "textDocument/publishDiagnostics"]

    change_document(client, model, silenced, 5)
    assert diagnostics_of(client, model, version=5) == []

    # Saving lints the buffer, not the file on disk (which still holds one line).
    change_document(client, model, BUGGY, 6)
    client.notify("textDocument/didSave", {"textDocument": {"uri": model.as_uri()}})
    assert [d["code"] for d in diagnostics_of(client, model, version=6)] == ["NNL202"]

    client.notify("textDocument/didClose", {"textDocument": {"uri": model.as_uri()}})
    assert diagnostics_of(client, model) == []

    assert client.request("shutdown", None) is None
    client.notify("exit", None)
    assert client.process.wait(timeout=TIMEOUT) == 0


def test_session_honours_the_project_config(client: LspClient, project: Path) -> None:
    initialize(client, project)
    legacy = project / "legacy" / "old.py"
    open_document(client, legacy, BUGGY)
    # per-file-ignores switch NNL202 off, so the unguarded log it superseded shows, as in
    # `nnlint check --stdin-filename`.
    published = diagnostics_of(client, legacy)
    assert [d["code"] for d in published] == ["NNL201"]
    cli = subprocess.run(
        [sys.executable, "-m", "nnlint", "check", "--output-format", "json", "--stdin-filename", "legacy/old.py"],
        input=BUGGY.encode("utf-8"), capture_output=True, cwd=project, timeout=TIMEOUT,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    expected = json.loads(cli.stdout)
    assert [(d["code"], d["message"], d["location"]["row"] - 1) for d in expected] == [
        (d["code"], d["message"], d["range"]["start"]["line"]) for d in published]

    elsewhere = project / "other" / "pyproject.toml"
    elsewhere.parent.mkdir()
    elsewhere.write_text("[tool.nnlint]\nselectt = ['NNL2']\n")
    broken = project / "other" / "train.py"
    open_document(client, broken, BUGGY)
    message = client.notification("window/showMessage")
    assert message["type"] == 1 and "unknown key 'selectt'" in message["message"]
    assert diagnostics_of(client, broken) == []

    # A buffer never saved, and one that does not parse (yet): what an editor has while typing.
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": "untitled:Untitled-1", "languageId": "python", "version": 1, "text": BUGGY}})
    untitled = client.notification("textDocument/publishDiagnostics",
                                   lambda params: params["uri"] == "untitled:Untitled-1")
    assert [d["code"] for d in untitled["diagnostics"]] == ["NNL202"]
    typing = project / "typing.py"
    open_document(client, typing, "import torch\ndef f(x:\n")
    [syntax] = diagnostics_of(client, typing)
    assert syntax["code"] == "NNL001" and syntax["range"]["start"]["line"] == 1

    # Editing the config in the editor: saving it re-lints the open buffers with the new settings.
    model = project / "model.py"
    open_document(client, model, BUGGY)
    assert [d["code"] for d in diagnostics_of(client, model)] == ["NNL202"]
    config = project / "pyproject.toml"
    # The codes the project enabled by name, ignored by name: within one table a more specific
    # selector wins (docs/configuration.md), so `ignore = ['NNL2']` would leave them on.
    config.write_text(config.read_text().replace("[tool.nnlint]\n", "[tool.nnlint]\nignore = ['NNL201', 'NNL202']\n"))
    client.notify("textDocument/didSave", {"textDocument": {"uri": config.as_uri()}})
    assert diagnostics_of(client, model) == []
    # ... and so does a change outside the editor, which the client reports for the watcher
    # the server registered at startup.
    assert client.registrations[0]["method"] == "workspace/didChangeWatchedFiles"
    assert client.registrations[0]["registerOptions"]["watchers"] == [{"globPattern": "**/pyproject.toml"}]
    config.write_text(config.read_text().replace("ignore = ['NNL201', 'NNL202']\n", ""))
    client.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": config.as_uri(), "type": 2}]})
    assert [d["code"] for d in diagnostics_of(client, model)] == ["NNL202"]

    assert client.request("shutdown", None) is None
    client.notify("exit", None)
    assert client.process.wait(timeout=TIMEOUT) == 0


def test_server_without_pygls_says_how_to_install_it() -> None:
    code = "import sys; sys.modules['pygls'] = None; from nnlint.cli import main; main(['server'])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 2
    assert "pip install 'pygls>=2,<3'" in result.stderr
    assert "Traceback" not in result.stderr


NET = textwrap.dedent('''\
    import torch
    from torch import nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(784, 10)

        def forward(self, x):
            tag = "😋"; return torch.softmax(self.head(x), dim=1)
''')
TRAIN = textwrap.dedent('''\
    import torch
    from torch import nn

    from pkg.net import Net


    def train(loader):
        model = Net()
        criterion = nn.CrossEntropyLoss()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
''')


def test_buffer_is_linked_to_models_in_other_project_files(client: LspClient, project: Path) -> None:
    # A client that counts in UTF-8 bytes (as Neovim can) gets byte columns.
    assert initialize(client, project, ["utf-8"])["capabilities"]["positionEncoding"] == "utf-8"
    (project / "pkg").mkdir()
    (project / "pkg" / "__init__.py").write_text("")
    (project / "pkg" / "net.py").write_text(NET, encoding="utf-8")
    train = project / "train.py"
    open_document(client, train, TRAIN)
    [finding] = diagnostics_of(client, train)
    assert finding["code"] == "NNL101"
    assert finding["range"]["start"]["line"] == TRAIN.splitlines().index("        loss = criterion(model(x), y)")
    [in_model] = [item["location"] for item in finding["relatedInformation"]
                  if item["location"]["uri"] == (project / "pkg" / "net.py").as_uri()]
    line = NET.splitlines()[10]
    prefix = line[:line.index("torch.softmax")]
    assert in_model["range"]["start"] == {"line": 10, "character": len(prefix.encode("utf-8"))}
    assert len(prefix.encode("utf-8")) == len(prefix) + 3  # 😋: one character, four bytes
    assert client.request("shutdown", None) is None
    client.notify("exit", None)
    assert client.process.wait(timeout=TIMEOUT) == 0


def _framed(body: bytes, header: bytes) -> bytes:
    return header + b"\r\n\r\n" + body


BAD_FRAMES = {
    # A length that is no number, no length at all, one too long (it would swallow the next
    # message and wait forever for the rest), one too short (the rest looks like headers).
    "not_a_number": lambda body: _framed(body, b"Content-Length: many"),
    "missing": lambda body: _framed(body, b"Content-Type: application/vscode-jsonrpc; charset=utf-8"),
    "too_long": lambda body: _framed(body, b"Content-Length: %d" % (len(body) + 1000)),
    "too_short": lambda body: _framed(body, b"Content-Length: %d" % (len(body) // 2)),
    "garbage": lambda body: b"\x00\xffnot a header\r\n" + body,
}


@pytest.mark.parametrize("framing", sorted(BAD_FRAMES))
def test_server_recovers_from_bad_framing(client: LspClient, project: Path, framing: str) -> None:
    initialize(client, project)
    model = project / "model.py"
    bad = json.dumps({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": (project / "other.py").as_uri(), "languageId": "python", "version": 1, "text": "x = 1\n"}}})
    client.process.stdin.write(BAD_FRAMES[framing](bad.encode("utf-8")))
    client.process.stdin.flush()
    # The next well-framed messages are understood: the server is not deaf.
    open_document(client, model, BUGGY)
    assert [finding["code"] for finding in diagnostics_of(client, model)] == ["NNL202"]
    assert client.request("shutdown", None) is None
