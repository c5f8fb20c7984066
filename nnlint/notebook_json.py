"""Where things are in a notebook's JSON text, which the stdlib parser does not say: each
cell's `"source"` value and its strings (to place findings at lines of the file, and to
splice a fixed cell back in), and how to write a cell's source in the layout it had.
"""

from __future__ import annotations

import json
import re
from typing import Optional, Sequence

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class SourceScanner:
    """Finds where each cell's `"source"` is in the notebook's JSON text (the stdlib parser
    gives no positions); everything else is skipped with the stdlib decoder."""

    def __init__(self, raw: str) -> None:
        self.raw = raw

    def _skip_space(self, index: int) -> int:
        return _WHITESPACE.match(self.raw, index).end()  # type: ignore[union-attr]

    def _members(self, index: int):
        """(key, value start) for each member of the object at `index`; sets `self.end`."""
        index = self._skip_space(index)
        if self.raw[index] != "{":
            raise ValueError("object expected")
        index = self._skip_space(index + 1)
        if self.raw[index] == "}":
            self.end = index + 1
            return
        while True:
            key, index = json.decoder.scanstring(self.raw, index + 1)
            index = self._skip_space(index)
            index = self._skip_space(index + 1)  # the colon
            value_end = yield key, index
            index = self._skip_space(value_end)
            if self.raw[index] == "}":
                self.end = index + 1
                return
            index = self._skip_space(index + 1)  # the comma

    def _skip(self, index: int) -> int:
        return _DECODER.raw_decode(self.raw, index)[1]

    def _array(self, index: int, item) -> int:
        index = self._skip_space(index + 1)
        if self.raw[index] == "]":
            return index + 1
        while True:
            index = self._skip_space(item(index))
            if self.raw[index] == "]":
                return index + 1
            index = self._skip_space(index + 1)

    def sources(self) -> list[tuple[Optional[tuple[int, int]], tuple[tuple[int, int], ...]]]:
        """Per cell: the span of its source value and of each string in it."""
        found: list = []

        def string(index: int, into: list) -> int:
            end = json.decoder.scanstring(self.raw, index + 1)[1]
            into.append((index, end))
            return end

        def cell(index: int) -> int:
            span, strings = None, []
            members = self._members(index)
            try:
                key, start = next(members)
                while True:
                    if key == "source" and self.raw[start] == "[":
                        strings = []
                        end = self._array(start, lambda at: string(at, strings))
                        span = (start, end)
                    elif key == "source" and self.raw[start] == '"':
                        strings = []
                        end = string(start, strings)
                        span = (start, end)
                    else:
                        end = self._skip(start)
                    key, start = members.send(end)
            except StopIteration:
                pass
            found.append((span, tuple(strings)))
            return self.end

        members = self._members(0)
        try:
            key, start = next(members)
            while True:
                end = self._array(start, cell) if key == "cells" else self._skip(start)
                key, start = members.send(end)
        except StopIteration:
            pass
        return found


def escape_length(raw: str, index: int) -> int:
    """How many characters of JSON text the string character at `index` takes."""
    if raw[index] != "\\":
        return 1
    if raw[index + 1] != "u":
        return 2
    # A surrogate pair (`\ud83d\ude00`) is one character of the decoded text.
    if 0xD800 <= int(raw[index + 2:index + 6], 16) < 0xDC00 and raw[index + 6:index + 8] == "\\u":
        if 0xDC00 <= int(raw[index + 8:index + 12], 16) < 0xE000:
            return 12
    return 6


def source_json(raw: str, value_span: tuple[int, int], strings: Sequence[tuple[int, int]], text: str) -> str:
    """A cell's new source in the layout of its old one (at `value_span` in `raw`, with its
    string elements at `strings`): nbformat's list of lines (or one string, if it was one),
    the same indentation, the same choice of escaping non-ASCII."""
    start, end = value_span
    old = raw[start:end]
    ascii_only = not any(ord(char) > 127 for char in old) and bool(re.search(r"\\u(?!00[0-7])", old))
    if old.startswith('"'):
        return json.dumps(text, ensure_ascii=ascii_only)
    parts = [json.dumps(line, ensure_ascii=ascii_only) for line in re.findall(r"[^\n]*\n|[^\n]+\Z", text)]
    if not parts:
        return "[]"
    if strings:
        opening = raw[start + 1:strings[0][0]]
        closing = raw[strings[-1][1]:end - 1]
        between = raw[strings[0][1]:strings[1][0]] if len(strings) > 1 else "," + opening
    else:
        opening, closing, between = "\n", "\n", ",\n"
    return "[" + opening + between.join(parts) + closing + "]"
