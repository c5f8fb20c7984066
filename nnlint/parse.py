"""Bytes to a libcst module, or to the reason why not (never an exception)."""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass
from typing import Callable, Optional, Union

import libcst as cst

from nnlint.parse_blocks import block_starts, source_lines
from nnlint.parse_snippets import SnippetLayout, as_class_body, dedented, indented_class_body, repl_session

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
    """A file's syntax tree. When some top-level blocks did not parse, `failures` says why
    and `module` is the rest of the file, the failing blocks blanked out line for line (so
    positions are the file's own): its `.code` is not the file's text."""

    module: cst.Module
    text: str
    failures: tuple[ParseFailure, ...] = ()
    # A snippet read as the module it stands for (dedented, methods put in a class): `text`
    # is then the generated module's, and the layout maps its positions to the file's.
    layout: Optional[SnippetLayout] = None

    @property
    def complete(self) -> bool:
        """Whether the whole file parsed."""
        return not self.failures


def source_encoding(data: bytes) -> str:
    """The codec Python reads these bytes with: the coding cookie's, else UTF-8 (BOM allowed)."""
    head = b"\n".join(data.splitlines()[:2])
    match = _CODING_COOKIE.search(head)
    return match.group(1).decode("ascii", "replace") if match else "utf-8-sig"


# libcst holds about 700 bytes of memory per byte of dense code, and nnlint needs about a
# minute per megabyte: a 10 MB generated file would take gigabytes and many minutes. The
# largest of 4,318 files of transformers, timm, torchvision and friends is under 300 kB.
MAX_SOURCE_BYTES = 2_000_000


def too_large(size: int, limit: int = MAX_SOURCE_BYTES) -> ParseFailure:
    """The finding for a file of `size` bytes, over `limit` (it is not read)."""
    return ParseFailure("NNL002", f"not analysed: the file has {size / 1e6:.1f} MB, more than "
                        f"nnlint's limit of {limit / 1e6:g} MB (generated code or data?)")


def decode_source(data: bytes) -> Union[str, ParseFailure]:
    """Source text as Python would read it: UTF-8 (BOM allowed) unless a cookie says otherwise."""
    if len(data) > MAX_SOURCE_BYTES:
        return too_large(len(data))
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


# libcst's native parser overflows its stack (a segfault, not an exception) on brackets
# nested a few thousand levels deep, even spread over short lines, and takes seconds to
# minutes on chains of thousands of operators (`a.b.b...`, `x+x+...`, `f[0][0]...`) that
# CPython accepts. Files that could hold such code -- large, with long lines, deep or long
# bracketed regions, or many backslash continuations -- are first read by CPython's parser,
# which fails cleanly, and refused when their syntax tree is deeper than `_MAX_DEPTH`.
# Doing this for every file would cost about 15% of the parse.
_LONG_LINE = 2_000
_LARGE_FILE = 200_000
_DEEP_BRACKETS = 30
_LONG_BRACKETED_LINES = 300
_MANY_CONTINUATIONS = 100
_CHAIN_LINES = 50
# Real code stays far below: the deepest of 4,318 files of transformers, timm, torchvision,
# pytorch/examples and others nests 29 levels. At 100, libcst and nnlint's recursive
# analysis stay well inside Python's recursion limit and take well under a second.
_MAX_DEPTH = 100
TOO_DEEP_TO_ANALYSE = (f"not analysed: the code nests more than {_MAX_DEPTH} levels deep "
                       "(long operator chains count too); split the expression")
_BRACKET_OR_NEWLINE = re.compile(r"[()\[\]{}\n]")


def _could_be_too_deep(text: str) -> bool:
    if len(text) >= _LARGE_FILE or text.count("\\\n") + text.count("\\\r") >= _MANY_CONTINUATIONS:
        return True
    if max(map(len, text.splitlines()), default=0) >= _LONG_LINE:
        return True
    # Brackets inside strings and comments count too: this only decides whether to look closer,
    # and a bracket too many can only make the screen stricter.
    depth = bracketed_lines = 0
    long_region = False
    for mark in _BRACKET_OR_NEWLINE.findall(text):
        if mark == "\n":
            bracketed_lines = bracketed_lines + 1 if depth else 0
            long_region = long_region or bracketed_lines >= _LONG_BRACKETED_LINES
        elif mark in "([{":
            depth += 1
            if depth >= _DEEP_BRACKETS:
                return True
        elif depth:
            depth -= 1
    return long_region and _holds_long_chain(text)


# Strings and comments, whose brackets and line ends say nothing about the code's nesting.
_STRING_OR_COMMENT = re.compile(r'''"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*''')
_BRACKET = re.compile(r"[()\[\]{}]")


def _blanked(match: re.Match[str]) -> str:
    found = match.group()
    return "" if found[0] == "#" else "0" + "\n" * found.count("\n")


def _holds_long_chain(text: str) -> bool:
    """Whether a bracketed region runs `_CHAIN_LINES` lines in a row that do not end with a
    comma: an operator or attribute chain spread over lines (`(a\\n .b\\n .b ...)`). Real code's
    long bracketed regions are literals and argument lists (timm's pretrained-config dicts run
    over a thousand lines), whose lines end with commas; sending them to CPython's parser
    would cost about 5% of the parse of such code for nothing."""
    depth = run = 0
    for line in _STRING_OR_COMMENT.sub(_blanked, text).split("\n"):
        code = line.strip()
        if not code:
            continue  # blank, or a comment or a string's inner line: neither breaks a chain nor adds to it
        if depth:
            run = run + 1 if not code.endswith(",") else 0
            if run >= _CHAIN_LINES:
                return True
        else:
            run = 0
        for mark in _BRACKET.findall(code):
            if mark in "([{":
                depth += 1
            elif depth:
                depth -= 1
    return False


def quiet_ast_parse(source: Union[str, bytes]) -> ast.Module:
    """CPython's syntax tree (compiling only; nothing runs), without the SyntaxWarnings
    (`"\\d"`, `1()`) that CPython would print on nnlint's stderr."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source)


def _levels(node: ast.AST, limit: int) -> int:
    """How many levels `node`'s subtree has (`node` alone is one), counting no further than
    one past `limit`. Level by level: cheaper than a node-by-node walk with
    ast.iter_child_nodes, which yields the same children."""
    level = [node]
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            break
        below: list[ast.AST] = []
        for current in level:
            for name in current._fields:
                value = getattr(current, name, None)
                if isinstance(value, ast.AST):
                    below.append(value)
                elif isinstance(value, list):
                    below += [item for item in value if isinstance(item, ast.AST)]
        level = below
    return depth


def _too_deep_line(tree: ast.AST) -> Optional[int]:
    """The first line of the top-level statement nesting deeper than `_MAX_DEPTH` (the tree
    itself is the first level); of the last such statement when several do (where a
    depth-first walk from the end meets one first); None when none does."""
    for statement in reversed(list(ast.iter_child_nodes(tree))):
        if _levels(statement, _MAX_DEPTH - 1) > _MAX_DEPTH - 1:
            return getattr(statement, "lineno", 1)
    return None


def _cpython_failure(text: str) -> Optional[ParseFailure]:
    """Why CPython's parser (compile only; nothing runs) rejects `text`, or why nnlint will not
    analyse it; None when it is fine."""
    try:
        tree = quiet_ast_parse(text)
    except SyntaxError as error:
        return ParseFailure("NNL001", f"syntax error: {error.msg}", error.lineno or 1, max(error.offset or 1, 1))
    except (RecursionError, MemoryError):
        return ParseFailure("NNL001", "syntax error: the code nests too deeply for Python to compile it")
    except ValueError as error:  # NUL bytes and the like
        return ParseFailure("NNL001", f"syntax error: {error}")
    line = _too_deep_line(tree)
    if line is not None:
        return ParseFailure("NNL001", TOO_DEEP_TO_ANALYSE, line)
    return None


# A method of a class body pasted at the top level, which only then needs a closer look.
_TOP_LEVEL_METHOD = re.compile(r"^(?:async[ \t]+)?def[ \t]+\w+[ \t]*\([ \t]*self\b", re.MULTILINE)


def parse_source(text: str) -> Union[ParsedFile, ParseFailure]:
    """The file's syntax tree; when parts of it do not parse, the tree of the other top-level
    blocks with the failures attached; a ParseFailure when nothing of it can be used. A
    snippet (a fragment indented as a block, or only a class's methods) is read as the
    module it stands for (see nnlint/parse_snippets.py)."""
    session = repl_session(text)
    if session is not None:
        # The code lines lost their four-character prompts: columns shift as in a dedent.
        layout = SnippetLayout(dedent=4)
        parsed = _moved(_parse_module(session), layout)
        if isinstance(parsed, ParsedFile):
            return ParsedFile(parsed.module, parsed.text, parsed.failures, layout)
    shifted = dedented(text)
    indented = indented_class_body(text) if shifted is None else None
    if indented is not None:
        parsed = _parse_module(indented[0])
        if isinstance(parsed, ParsedFile) and parsed.complete:
            return ParsedFile(parsed.module, parsed.text, parsed.failures, indented[1])
    if shifted is None:
        parsed = _parse_module(text)
        layout = SnippetLayout()
    else:
        parsed = _parse_module(shifted[0])
        layout = SnippetLayout(dedent=shifted[1])
        parsed = _moved(parsed, layout)
    if isinstance(parsed, ParsedFile) and parsed.complete and _TOP_LEVEL_METHOD.search(parsed.text):
        wrapped = as_class_body(parsed.text)
        if wrapped is not None:
            reparsed = _parse_module(wrapped[0])
            if isinstance(reparsed, ParsedFile) and reparsed.complete:
                layout = SnippetLayout(layout.dedent, wrapped[1].class_line, wrapped[1].class_end)
                parsed = reparsed
    if isinstance(parsed, ParsedFile) and layout != SnippetLayout():
        return ParsedFile(parsed.module, parsed.text, parsed.failures, layout)
    return parsed


def _moved(parsed: Union[ParsedFile, ParseFailure], layout: SnippetLayout) -> Union[ParsedFile, ParseFailure]:
    """Failures of a dedented text placed in the file (lines are the same, columns shift)."""
    def move(failure: ParseFailure) -> ParseFailure:
        return ParseFailure(failure.code, failure.message, failure.line, failure.column + layout.dedent)
    if isinstance(parsed, ParseFailure):
        return move(parsed)
    return ParsedFile(parsed.module, parsed.text, tuple(move(f) for f in parsed.failures))


def _parse_module(text: str) -> Union[ParsedFile, ParseFailure]:
    if _could_be_too_deep(text):
        refused = _cpython_failure(text)
        if refused is not None:
            return _recover(text, refused)
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        return _recover(text, _syntax_failure(text, error))
    except cst.CSTValidationError as error:
        # Code libcst's grammar accepts but its node checks refuse, such as `"a" b"b"`;
        # CPython refuses it too, and names the place.
        return _recover(text, _syntax_failure(text, error))
    except RecursionError:
        return _recover(text, ParseFailure("NNL001", "syntax error: the file nests too deeply to be parsed"))
    return ParsedFile(module, text)


def _shifted(failure: ParseFailure, lines_before: int) -> ParseFailure:
    return ParseFailure(failure.code, failure.message, failure.line + lines_before, failure.column)


def _libcst_failure(text: str) -> Optional[ParseFailure]:
    try:
        cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        message = str(error.message).strip().splitlines()[0] if error.message else "invalid syntax"
        return _inside(text, ParseFailure("NNL001", f"syntax error: {message}", error.raw_line, error.raw_column + 1))
    except RecursionError:
        return ParseFailure("NNL001", "syntax error: the code nests too deeply to be parsed")
    return None


def _inside(text: str, failure: ParseFailure) -> ParseFailure:
    """`failure` moved inside the file: libcst counts lines differently from Python around
    backslash continuations and lone carriage returns, and can place an error past a line's end."""
    lines = source_lines(text)
    line = min(max(failure.line, 1), len(lines) + 1)
    width = len(lines[line - 1]) if line <= len(lines) else 0
    return ParseFailure(failure.code, failure.message, line, min(max(failure.column, 1), width + 1))


def _line_break_only(line: str, previous: str) -> str:
    """`line` emptied: its own line break, which must not merge with the line before (a lone
    \r there followed by \n would become one \r\n and shift every later line)."""
    ending = line[len(line.rstrip("\r\n")):]
    return "\r\n" if ending == "\n" and previous.endswith("\r") else ending


def _recover(text: str, whole: ParseFailure) -> Union[ParsedFile, ParseFailure]:
    """Editors lint half-typed code: the top-level blocks that parse are linted, each block
    that does not is one failure. Failing blocks become empty lines, so every finding in the
    others keeps its line. `whole` is the file's failure when nothing can be recovered."""
    whole = _inside(text, whole)  # CPython too misplaces errors after continuation lines
    lines = source_lines(text, keepends=True)
    starts = block_starts(text)
    blocks = [(first, after) for first, after in zip(starts, [*starts[1:], len(lines) + 1])
              if any(line.strip() and not line.lstrip().startswith("#") for line in lines[first - 1:after - 1])]
    if len(blocks) < 2:
        return whole
    kept = list(lines)
    failures: list[ParseFailure] = []
    dropped: set[int] = set()

    def drop_failing(check: Callable[[str], Optional[ParseFailure]]) -> None:
        for first, after in blocks:
            if first in dropped:
                continue
            failure = check("".join(lines[first - 1:after - 1]))
            if failure is not None:
                failures.append(_inside(text, _shifted(failure, first - 1)))
                dropped.add(first)
                for index in range(first - 1, after - 1):
                    kept[index] = _line_break_only(lines[index], kept[index - 1] if index else "")

    drop_failing(_cpython_failure)
    try:
        module = cst.parse_module("".join(kept))
    except (cst.ParserSyntaxError, RecursionError):
        # Something libcst rejects although CPython accepts it; every block now passed
        # CPython's depth check, so handing one to libcst alone is safe.
        drop_failing(_libcst_failure)
        try:
            module = cst.parse_module("".join(kept))
        except (cst.ParserSyntaxError, RecursionError):
            return whole
    if not failures or len(failures) == len(blocks):
        return whole
    return ParsedFile(module, text, tuple(sorted(failures, key=lambda f: (f.line, f.column))))


def _syntax_failure(text: str, error: Union[cst.ParserSyntaxError, cst.CSTValidationError]) -> ParseFailure:
    # libcst's native parser often places the error at the token after the real one;
    # CPython's own parser (compile only, nothing runs) names the spot and the reason
    # the way users know from tracebacks, so prefer it when it agrees the file is broken.
    try:
        quiet_ast_parse(text)
    except SyntaxError as py_error:
        return ParseFailure(
            "NNL001",
            f"syntax error: {py_error.msg}",
            py_error.lineno or 1,
            max(py_error.offset or 1, 1),
        )
    except (RecursionError, ValueError, MemoryError):
        pass
    if isinstance(error, cst.CSTValidationError):
        return ParseFailure("NNL001", f"syntax error: {error}")
    message = str(error.message).strip().splitlines()[0] if error.message else "invalid syntax"
    return _inside(text, ParseFailure("NNL001", f"syntax error: {message}", error.raw_line, error.raw_column + 1))


def first_failure_line(failure: ParseFailure, text: Optional[str]) -> str:
    if text is None:
        return ""
    lines = source_lines(text)
    return lines[failure.line - 1] if 0 < failure.line <= len(lines) else ""
