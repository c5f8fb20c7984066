"""LSP framing (nnlint/lsp/framing.py) on its own: every badly framed message costs at most
itself, whatever the sizes of the reads the bytes arrive in. tests/test_lsp_session.py
checks the same through the running server."""

from __future__ import annotations

import json

import pytest

from nnlint.lsp.framing import MessageReader


def bodies(data: bytes, chunk: int) -> tuple[list[bytes], list[str]]:
    position = 0

    def read(size: int) -> bytes:
        nonlocal position
        out = data[position:position + min(size, chunk)]
        position += len(out)
        return out

    warnings: list[str] = []
    reader = MessageReader(read, warnings.append)
    found = []
    while (body := reader.next_body()) is not None:
        found.append(body)
    return found, warnings


def message(number: int) -> bytes:
    # A header inside a string is escaped in JSON: it is no frame.
    return json.dumps({"id": number, "text": "Content-Length: 5\r\n\r\n{}"}).encode()


def frame(body: bytes, header: bytes | None = None) -> bytes:
    return (header if header is not None else b"Content-Length: %d" % len(body)) + b"\r\n\r\n" + body


def ids(found: list[bytes]) -> list[object]:
    result: list[object] = []
    for body in found:
        try:
            result.append(json.loads(body)["id"])
        except ValueError:
            result.append("unparsable")
    return result


CHUNKS = [1, 7, 1 << 20]


@pytest.mark.parametrize("chunk", CHUNKS)
def test_well_framed_messages_come_out_as_sent(chunk):
    found, warnings = bodies(frame(message(1)) + b"Content-Type: x\r\n" + frame(message(2)), chunk)
    assert (found, warnings) == ([message(1), message(2)], [])


@pytest.mark.parametrize("chunk", CHUNKS)
@pytest.mark.parametrize("header", [b"Content-Length: many", b"Content-Type: x", b"\x00\xffjunk"])
def test_a_message_without_a_usable_length_is_dropped_and_the_next_one_read(chunk, header):
    found, warnings = bodies(frame(message(1), header) + frame(message(2)), chunk)
    assert ids(found) == [2]
    assert warnings and warnings[0].startswith("skipped ")


@pytest.mark.parametrize("chunk", CHUNKS)
def test_a_length_too_long_does_not_swallow_the_next_message(chunk):
    found, _ = bodies(frame(message(1), b"Content-Length: 9999") + frame(message(2)), chunk)
    assert ids(found) == [1, 2]
    # Nor wait forever when nothing follows (the client is waiting for the answer).
    alone, warnings = bodies(frame(message(1), b"Content-Length: 9999"), chunk)
    assert alone == [message(1)]
    assert warnings == ["Content-Length 9999 does not match the message (48 bytes); reading the message it frames"]


@pytest.mark.parametrize("chunk", CHUNKS)
@pytest.mark.parametrize("length", [0, 10])
def test_a_length_too_short_costs_at_most_that_message(chunk, length):
    found, _ = bodies(frame(message(1), b"Content-Length: %d" % length) + frame(message(2)), chunk)
    assert ids(found)[-1] == 2 and len(found) == 2


def test_a_stream_that_ends_inside_a_message_ends_the_reading():
    assert bodies(frame(message(1))[:-3], 1 << 20) == ([], [])
    assert bodies(b"Content-Length: 12\r\n", 1) == ([], [])
