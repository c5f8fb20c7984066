"""Bytes to a libcst module, or to the reason why not (never an exception)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Optional, Union

import libcst as cst

# PEP 263: a coding declaration in one of the first two lines.
_CODING_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)


@dataclass(frozen=True)
class ParseFailure:
    """Why a file could not be turned into a syntax tree, and where."""

    code: str  # "NNL001" (syntax) or "NNL002" (unreadable / not text)
    message: str
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class ParsedFile:
    module: cst.Module
    text: str


def source_encoding(data: bytes) -> str:
    """The codec Python reads these bytes with: the coding cookie's, else UTF-8 (BOM allowed)."""
    head = b"\n".join(data.splitlines()[:2])
    match = _CODING_COOKIE.search(head)
    return match.group(1).decode("ascii", "replace") if match else "utf-8-sig"


def decode_source(data: bytes) -> Union[str, ParseFailure]:
    """Source text as Python would read it: UTF-8 (BOM allowed) unless a cookie says otherwise."""
    if b"\x00" in data:
        return ParseFailure("NNL002", "file contains NUL bytes; it is binary, not Python source")
    encoding = source_encoding(data)
    try:
        return data.decode(encoding)
    except LookupError:
        return ParseFailure("NNL002", f"unknown source encoding {encoding!r} in coding declaration")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return ParseFailure(
            "NNL002",
            f"file is not valid {encoding.replace('-sig', '').upper()} (byte 0x{data[error.start]:02x} "
            f"at offset {error.start}); save it as UTF-8 or declare its encoding",
            line=line,
        )


# libcst's native parser overflows its stack (a segfault, not an exception) on expressions
# nested a few thousand levels deep, which CPython itself refuses to compile. Such input only
# comes with very long lines or very large files, so only those are first checked by CPython's
# parser, which fails cleanly; doing it for every file would cost about 15% of the parse.
_LONG_LINE = 2_000
_LARGE_FILE = 200_000


def _too_deep_for_libcst(text: str) -> Optional[ParseFailure]:
    if len(text) < _LARGE_FILE and max(map(len, text.splitlines()), default=0) < _LONG_LINE:
        return None
    try:
        ast.parse(text)
    except SyntaxError as error:
        return ParseFailure("NNL001", f"syntax error: {error.msg}", error.lineno or 1, max(error.offset or 1, 1))
    except (RecursionError, MemoryError):
        return ParseFailure("NNL001", "syntax error: the code nests too deeply for Python to compile it")
    except ValueError as error:  # NUL bytes and the like
        return ParseFailure("NNL001", f"syntax error: {error}")
    return None


def parse_source(text: str) -> Union[ParsedFile, ParseFailure]:
    refused = _too_deep_for_libcst(text)
    if refused is not None:
        return refused
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        return _syntax_failure(text, error)
    except RecursionError:
        return ParseFailure("NNL001", "syntax error: the file nests too deeply to be parsed")
    return ParsedFile(module, text)


def _syntax_failure(text: str, error: cst.ParserSyntaxError) -> ParseFailure:
    # libcst's native parser often places the error at the token after the real one;
    # CPython's own parser (compile only, nothing runs) names the spot and the reason
    # the way users know from tracebacks, so prefer it when it agrees the file is broken.
    try:
        ast.parse(text)
    except SyntaxError as py_error:
        return ParseFailure(
            "NNL001",
            f"syntax error: {py_error.msg}",
            py_error.lineno or 1,
            max(py_error.offset or 1, 1),
        )
    except (RecursionError, ValueError, MemoryError):
        pass
    message = str(error.message).strip().splitlines()[0] if error.message else "invalid syntax"
    return ParseFailure("NNL001", f"syntax error: {message}", error.raw_line, error.raw_column + 1)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def source_lines(text: str) -> list[str]:
    """The lines of source text numbered as Python and libcst number them: only \\n, \\r\\n
    and \\r end a line. (str.splitlines also breaks at form feeds, \\x1c-\\x1e, \\x85 and
    U+2028/9, which would shift every later line and read a `# noqa` from the wrong one.)"""
    lines = _LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


def first_failure_line(failure: ParseFailure, text: Optional[str]) -> str:
    if text is None:
        return ""
    lines = source_lines(text)
    return lines[failure.line - 1] if 0 < failure.line <= len(lines) else ""
