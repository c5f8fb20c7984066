"""Jupyter notebooks (nbformat 4 JSON) as Python source, and back.

The code cells are joined in order into one *virtual source*, which the rest of the
pipeline checks like a `.py` file (so names defined in one cell are known in the next, as
when the notebook runs top to bottom). IPython syntax — line magics (`%matplotlib inline`),
shell lines (`!pip install torch`), help lines (`model?`) and the first line of a
`%%time`-like cell magic — is blanked line for line, so every other line keeps its number
and columns. Cells of another language (`%%bash`, a non-Python `vscode.languageId`) and
markdown/raw cells add no lines.

Findings are then placed in their cell: a `CellSpan` gives the cell number (1-based,
counting *every* cell, markdown included, as Jupyter and VS Code number them), the line and
column inside the cell, and the same span in the `.ipynb` file itself (for CI services that
annotate the file). `--fix` edits the cells' source and splices only the changed cells'
`"source"` arrays back into the original JSON text, so outputs, metadata and formatting
stay byte for byte as they were.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import re
from dataclasses import dataclass
from typing import Optional, Sequence, Union

from nnlint.diagnostic import CellSpan, Diagnostic, Edit, Fix, Position
from nnlint.fix.apply import apply_fixes
from nnlint.notebook_json import SourceScanner, escape_length, source_json
from nnlint.parse import MAX_SOURCE_BYTES, ParseFailure

NOTEBOOK_SUFFIX = ".ipynb"

# Cell magics whose body is Python that IPython runs as such; any other (`%%bash`,
# `%%writefile`, `%%html`) makes the cell another language, which is skipped.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "python", "python3",
                                "pypy", "cython", "memit", "mprun", "snakeviz", "autoreload"})

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
# `model?`, `torch.nn.Linear??`: IPython's help.
_HELP = re.compile(r"^[A-Za-z_][\w.]*\?{1,2}\s*$")
# `files = !ls`, `t = %timeit -o f()`: a magic's result assigned.
_ASSIGNED_MAGIC = re.compile(r"^[\w., ]+?\s*=\s*[%!]")


def is_notebook(path: str) -> bool:
    return path.lower().endswith(NOTEBOOK_SUFFIX)


# A notebook's outputs (images, tables) make its file far larger than its code; the code
# itself still gets MAX_SOURCE_BYTES once the cells are joined.
MAX_NOTEBOOK_FILE_BYTES = 50_000_000


def file_limit(path: str) -> int:
    """How many bytes of the file at `path` nnlint reads at most."""
    return MAX_NOTEBOOK_FILE_BYTES if is_notebook(path) else MAX_SOURCE_BYTES


def _lines(text: str) -> list[str]:
    return _LINE.findall(text)


def _is_magic(stripped: str) -> bool:
    return (stripped.startswith(("%", "!", "?")) or bool(_HELP.match(stripped))
            or bool(_ASSIGNED_MAGIC.match(stripped)))


def _blank(line: str) -> str:
    """A magic line replaced by nothing (or `pass`, inside a block) with its line break."""
    body = line.rstrip("\r\n")
    ending = line[len(body):]
    indent = body[: len(body) - len(body.lstrip())]
    return (indent + "pass" if indent else "") + ending


class _Continuation:
    """Whether the next line starts a statement (the only place IPython reads its syntax) or
    continues one: inside brackets (`(labels\n    != ignore_index)`, as black puts operators
    first), inside a string, or after a backslash. A rough lexer, enough for that question."""

    def __init__(self) -> None:
        self.depth = 0
        self.quote: Optional[str] = None
        self.backslash = False

    def at_statement_start(self) -> bool:
        return self.depth == 0 and self.quote is None and not self.backslash

    def feed(self, line: str) -> None:
        index, commented = 0, False
        while index < len(line):
            char = line[index]
            if self.quote is not None:
                if char == "\\":
                    index += 2
                elif line.startswith(self.quote, index):
                    index += len(self.quote)
                    self.quote = None
                else:
                    index += 1
                continue
            if char == "#":
                commented = True
                break
            if char in "\"'":
                self.quote = line[index:index + 3] if line[index:index + 3] in ('"""', "'''") else char
                index += len(self.quote)
                continue
            if char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            index += 1
        body = line.rstrip("\r\n")
        if self.quote in ('"', "'") and not body.endswith("\\"):
            self.quote = None  # an unterminated one-line string: a syntax error, not a continuation
        self.backslash = self.quote is None and not commented and body.endswith("\\")


def python_of_cell(text: str) -> Optional[tuple[str, frozenset[int]]]:
    """The Python of one code cell, magics blanked, and the (1-based) lines blanked; None for
    a cell of another language (a cell magic such as `%%bash`)."""
    lines = _lines(text)
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    blanked: set[int] = set()
    if first is not None and lines[first].lstrip().startswith("%%"):
        name = lines[first].lstrip()[2:].split(maxsplit=1)
        if not name or name[0] not in PYTHON_CELL_MAGICS:
            return None
        blanked.add(first)
    continued = False
    python = _Continuation()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if continued or (index not in blanked and python.at_statement_start() and _is_magic(stripped)):
            blanked.add(index)
            # `!pip install \` goes on on the next line.
            continued = stripped.endswith("\\")
        elif index not in blanked:
            python.feed(line)
    out = [_blank(line) if index in blanked else line for index, line in enumerate(lines)]
    code = "".join(out)
    if code and not code.endswith(("\n", "\r")):
        code += "\n"
    return code, frozenset(index + 1 for index in blanked)


@dataclass(frozen=True)
class _Cell:
    number: int  # 1-based among all cells
    text: str  # the cell's source as Jupyter shows it
    first_line: int  # its first line in the virtual source
    line_count: int
    magic_lines: frozenset[int]  # 1-based lines in the cell
    # Where its "source" value is in the JSON text: the whole value, and each string element.
    value_span: Optional[tuple[int, int]] = None
    strings: tuple[tuple[int, int], ...] = ()


def _source_text(source: object, number: int) -> Union[str, ParseFailure]:
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(item, str) for item in source):
        return "".join(source)
    return ParseFailure("NNL002", f"not a valid notebook: cell {number}'s source is not text")


def _not_python(metadata: object) -> bool:
    if not isinstance(metadata, dict):
        return False
    for holder, key in (("kernelspec", "language"), ("language_info", "name")):
        value = metadata.get(holder, {}).get(key) if isinstance(metadata.get(holder), dict) else None
        if isinstance(value, str) and value.lower() not in ("python", "python3"):
            return True
    return False


class Notebook:
    """One parsed notebook: its cells, the virtual source and the maps between them."""

    def __init__(self, data: bytes, raw: str, cells: list[_Cell], code: str) -> None:
        self.data, self.raw, self.cells, self.code = data, raw, cells, code
        self._firsts = [cell.first_line for cell in cells]
        self._raw_line_starts: Optional[list[int]] = None

    # ------------------------------------------------------------ placing findings

    def _cell_at(self, line: int) -> Optional[_Cell]:
        index = bisect.bisect_right(self._firsts, line) - 1
        if index < 0:
            return None
        cell = self.cells[index]
        return cell if line < cell.first_line + max(cell.line_count, 1) else None

    def _in_cell(self, cell: _Cell, position: Position) -> Position:
        return Position(position.line - cell.first_line + 1, position.column)

    def _file_position(self, cell: _Cell, position: Position) -> Optional[Position]:
        """`position` (in the cell) as a line and column of the `.ipynb` file."""
        if not cell.strings:
            return None
        lines = _lines(cell.text)
        line = min(position.line, len(lines))
        offset = sum(len(text) for text in lines[: max(line - 1, 0)]) + position.column - 1
        for start, end in cell.strings:
            index = start + 1
            while index < end - 1:
                if offset == 0:
                    return self._raw_position(index)
                offset -= 1
                index += escape_length(self.raw, index)
            # Past this string's last character: the next string holds the offset.
        return self._raw_position(cell.strings[-1][1] - 1)

    def _raw_position(self, index: int) -> Position:
        if self._raw_line_starts is None:
            self._raw_line_starts = [0] + [match.end() for match in re.finditer("\n", self.raw)]
        line = bisect.bisect_right(self._raw_line_starts, index)
        return Position(line, index - self._raw_line_starts[line - 1] + 1)

    def line_label(self, line: int) -> str:
        """`cell 4, line 2` for a line of the joined code, as messages name it."""
        cell = self._cell_at(line)
        return f"cell {cell.number}, line {line - cell.first_line + 1}" if cell is not None else f"line {line}"

    def span(self, start: Position, end: Position) -> Optional[CellSpan]:
        cell = self._cell_at(start.line)
        if cell is None:
            return None
        end_cell = self._cell_at(end.line)
        if end_cell is not cell:  # a span running to the next cell's first column
            end = Position(cell.first_line + max(cell.line_count, 1) - 1, max(end.column, 1))
        in_start, in_end = self._in_cell(cell, start), self._in_cell(cell, end)
        return CellSpan(cell.number, in_start, in_end, self._file_position(cell, in_start),
                        self._file_position(cell, in_end))

    def place(self, diagnostic: Diagnostic) -> Diagnostic:
        """The finding with its cell (and its related locations in this notebook with theirs)."""
        related = tuple(dataclasses.replace(item, cell=self.span(item.start, item.end))
                        if item.path == diagnostic.path else item for item in diagnostic.related)
        return dataclasses.replace(diagnostic, cell=self.span(diagnostic.start, diagnostic.end), related=related)

    # ------------------------------------------------------------ fixing

    def apply(self, fixes: Sequence[Fix]) -> Optional["Notebook"]:
        """The notebook with the fixes' edits made in its cells, or None when an edit crosses
        cells, touches a magic line or points outside the source."""
        per_cell: dict[int, list[Edit]] = {}
        for fix in fixes:
            for edit in fix.edits:
                cell = self._cell_at(edit.start.line)
                if cell is None or self._cell_at(edit.end.line) is not cell:
                    return None
                start, end = self._in_cell(cell, edit.start), self._in_cell(cell, edit.end)
                if start.line in cell.magic_lines or end.line in cell.magic_lines:
                    return None
                per_cell.setdefault(cell.number, []).append(Edit(start, end, edit.content))
        texts: dict[int, str] = {}
        for cell in self.cells:
            if cell.number in per_cell:
                new = apply_fixes(cell.text, [Fix("", tuple(sorted(per_cell[cell.number], key=_edit_key)))])
                if new is None or cell.value_span is None:
                    return None
                texts[cell.number] = new
        return self._with_sources(texts)

    def _with_sources(self, texts: dict[int, str]) -> Optional["Notebook"]:
        pieces, cursor = [], 0
        for cell in self.cells:
            if cell.number not in texts or cell.value_span is None:
                continue
            start, end = cell.value_span
            pieces += [self.raw[cursor:start], source_json(self.raw, cell.value_span, cell.strings, texts[cell.number])]
            cursor = end
        pieces.append(self.raw[cursor:])
        prefix = b"\xef\xbb\xbf" if self.data.startswith(b"\xef\xbb\xbf") else b""
        parsed = parse_notebook(prefix + "".join(pieces).encode("utf-8"))
        return parsed if isinstance(parsed, Notebook) else None

    def encode(self) -> bytes:
        return self.data


def _edit_key(edit: Edit) -> tuple[Position, Position]:
    return edit.start, edit.end


def parse_notebook(data: bytes) -> Union[Notebook, ParseFailure]:
    """The notebook in `data`, or why it is not one (NNL002, at the JSON error's place)."""
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return ParseFailure("NNL002", f"not a valid notebook: the file is not UTF-8 (byte 0x{data[error.start]:02x} "
                            f"at offset {error.start})")
    try:
        document = json.loads(raw)
    except RecursionError:
        return ParseFailure("NNL002", "not a valid notebook: its JSON is nested too deeply")
    except ValueError as error:
        line, column = getattr(error, "lineno", 1), getattr(error, "colno", 1)
        message = getattr(error, "msg", str(error))
        return ParseFailure("NNL002", f"not a valid notebook: invalid JSON ({message})", line, column)
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        if isinstance(document, dict) and "worksheets" in document:
            return ParseFailure("NNL002", "not analysed: nbformat 3 notebook; convert it with "
                                "`jupyter nbconvert --to notebook --nbformat 4`")
        return ParseFailure("NNL002", 'not a valid notebook: no "cells" list (nbformat 4 JSON expected)')
    try:
        spans = SourceScanner(raw).sources()
    except (ValueError, IndexError, StopIteration, RecursionError):
        spans = []
    if len(spans) != len(document["cells"]):
        spans = [(None, ())] * len(document["cells"])
    skip_all = _not_python(document.get("metadata"))
    cells: list[_Cell] = []
    pieces: list[str] = []
    line = 1
    for number, (item, (value_span, strings)) in enumerate(zip(document["cells"], spans), start=1):
        if not isinstance(item, dict):
            return ParseFailure("NNL002", f"not a valid notebook: cell {number} is not an object")
        if item.get("cell_type") != "code" or skip_all:
            continue
        metadata = item.get("metadata")
        language = metadata.get("vscode", {}).get("languageId") \
            if isinstance(metadata, dict) and isinstance(metadata.get("vscode"), dict) else None
        if isinstance(language, str) and language != "python":
            continue
        text = _source_text(item.get("source", ""), number)
        if isinstance(text, ParseFailure):
            return text
        python = python_of_cell(text)
        if python is None:
            continue
        code, magic = python
        count = len(_lines(code))
        cells.append(_Cell(number, text, line, count, magic, value_span, strings))
        pieces.append(code)
        line += count
    return Notebook(data, raw, cells, "".join(pieces))
