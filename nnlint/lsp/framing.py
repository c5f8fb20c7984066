"""LSP's Content-Length framing, read so that one badly framed message costs only itself.

pygls trusts every header: a length that is missing or no number makes it read the body as
headers, which swallows the next message's header, and the next; a length too long makes it
wait for bytes that never come. Either way the server is deaf for the rest of the session.

Here the next message is found again by its `Content-Length: N` line, which can never occur
inside a JSON body: a raw line break is not allowed in a JSON string, and outside strings the
words are not JSON. So a body ends at its declared length, or earlier where the next header
begins; when the declared length is wrong or missing, the JSON object the body starts with is
taken as the message (none: it is dropped, with a warning). Everything is bounded.
"""

from __future__ import annotations

import json
import re
from typing import Callable, Optional

_LENGTH_LINE = re.compile(rb"content-length[ \t]*:[ \t]*(\d+)[ \t]*\r\n", re.IGNORECASE)
_HEADER_END = b"\r\n\r\n"
_CHUNK = 1 << 20
# A header block is a few dozen bytes; a body the size of the largest file an editor opens.
_MAX_HEADERS = 64 << 10
MAX_BODY = 256 << 20
_DECODER = json.JSONDecoder()


class MessageReader:
    """Message bodies from a byte stream. `read(n)` returns what is available (at least one
    byte, up to n; empty at the end); `warn` receives a sentence per framing error."""

    def __init__(self, read: Callable[[int], bytes], warn: Callable[[str], None]) -> None:
        self._read = read
        self._warn = warn
        self._buffer = bytearray()
        self._ended = False

    def _fill(self) -> bool:
        if not self._ended:
            chunk = self._read(_CHUNK)
            self._ended = not chunk
            self._buffer += chunk
        return not self._ended

    def next_body(self) -> Optional[bytes]:
        """The next message's body (None: the stream ended)."""
        while True:
            length = _LENGTH_LINE.search(self._buffer)
            if length is None:
                if len(self._buffer) > _MAX_HEADERS:
                    self._drop(len(self._buffer) - 64, "bytes that are no message")
                if not self._fill():
                    return None
                continue
            if self._buffer[:length.start()].strip() and not _header_lines(self._buffer[:length.start()]):
                self._drop(length.start(), "bytes that are no message")
                continue
            end = self._buffer.find(_HEADER_END, length.start())
            if end < 0:
                if len(self._buffer) - length.start() > _MAX_HEADERS:
                    self._drop(length.end(), "a header block that does not end")
                elif not self._fill():
                    return None
                continue
            body = self._body(end + len(_HEADER_END), int(length.group(1)))
            if body is not None:
                return body

    def _body(self, start: int, declared: int) -> Optional[bytes]:
        """The body from `start`, consumed; None: the message was dropped, or the stream
        ended inside it (the buffer is then empty)."""
        if declared > MAX_BODY:
            self._warn(f"Content-Length {declared} is more than {MAX_BODY} bytes; reading the message it frames")
            declared = -1
        searched = start
        while True:
            following = _LENGTH_LINE.search(self._buffer, searched)
            stop = following.start() if following is not None else len(self._buffer)
            # The declared length is there, and what follows it up to the next Content-Length
            # line is nothing or the next message's other headers.
            if 0 <= declared <= stop - start and (following is None
                                                  or _header_lines(self._buffer[start + declared:stop])):
                return self._take(start, start + declared, start + declared)
            # The declared length is not there (yet), or it is not where the next header starts.
            found = _object_end(self._buffer, start, stop, complete=following is not None)
            if found is not None:
                self._warn(f"Content-Length {declared if declared >= 0 else '(none)'} does not match the "
                           f"message ({found - start} bytes); reading the message it frames")
                return self._take(start, found, stop if following is not None else found)
            if following is not None:
                self._drop(following.start(), "a message whose Content-Length does not match it")
                return None
            if stop - start > MAX_BODY:
                self._drop(stop - 64, "a message larger than the limit")
                return None
            searched = max(start, len(self._buffer) - 64)  # a header may straddle two reads
            if not self._fill():
                del self._buffer[:]
                return None

    def _take(self, start: int, end: int, consumed: int) -> bytes:
        body = bytes(self._buffer[start:end])
        del self._buffer[:consumed]
        return body

    def _drop(self, end: int, what: str) -> None:
        self._warn(f"skipped {end} bytes of the connection: {what}")
        del self._buffer[:end]


def _header_lines(data: bytes) -> bool:
    """Whether `data` is header lines (`Content-Type: ...`) before a Content-Length line."""
    lines = bytes(data).strip(b" \t\r\n").split(b"\r\n")
    return all(re.fullmatch(rb"[A-Za-z0-9-]+[ \t]*:[^\r\n]*", line) for line in lines if line)


def _object_end(buffer: bytearray, start: int, stop: int, complete: bool) -> Optional[int]:
    """Where the JSON object that starts at `start` ends, if it is complete before `stop`.
    Unless the region is `complete` (the next header follows it), it is only parsed when it
    ends like an object: a message still arriving is not parsed again at every read."""
    region = bytes(buffer[start:stop])
    stripped = region.strip()
    if not stripped.startswith(b"{") or not (complete or stripped.endswith(b"}")):
        return None
    text = region.decode("utf-8", "surrogateescape")
    leading = len(text) - len(text.lstrip())
    try:
        _, end = _DECODER.raw_decode(text, leading)
    except ValueError:
        return None
    return start + len(text[:end].encode("utf-8", "surrogateescape"))
