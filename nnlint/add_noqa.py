"""`nnlint check --add-noqa`: a `# noqa: CODE` comment on the line of every current finding,
the baseline that lets a project adopt nnlint and see only new findings from then on.

Nothing but the comments may change: the file is decoded the way Python reads it, edited as
text, and re-encoded only when its bytes survive the round trip unchanged (encoding, BOM and
every line ending stay as they were). A comment goes where `nnlint check` reads it: at the end
of the finding's first line. When that line ends inside a multi-line string or with a
backslash continuation, a comment there would change the string or break the code. ruff then
puts the directive after the string's closing line and reads it there too; nnlint reads a
`# noqa` only on the finding's own line, so such a finding is skipped and reported instead.
"""

from __future__ import annotations

import io
import os
import re
import tokenize
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Optional, Sequence

from nnlint.diagnostic import Diagnostic, Edit, Fix, Position
from nnlint.notebook import Notebook, file_limit, is_notebook, parse_notebook
from nnlint.parse import decode_source
from nnlint.reading import Unreadable, read_bounded

# The codes list of a `# noqa: X, Y` directive, as nnlint.suppress reads it.
_NOQA_CODES = re.compile(r"#\s*noqa\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)", re.IGNORECASE)
_CODE = re.compile(r"[A-Z]+[0-9]+")
_LINE = re.compile(r"(.*?)(\r\n|\r|\n|$)", re.DOTALL)
# Findings about the file as a whole: it does not parse or cannot be read, so there is no
# statement to annotate and the honest baseline is to fix the file.
_FILE_CODES = frozenset({"NNL001", "NNL002"})


@dataclass(frozen=True)
class Skipped:
    diagnostic: Diagnostic
    reason: str


@dataclass
class NoqaResult:
    added: int = 0  # directives written or extended, one per line
    changed_files: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _LineFacts:
    commentable: frozenset[int]  # lines that end outside strings and without a backslash
    in_string: frozenset[int]  # lines that end inside a string literal
    comments: dict[int, tuple[int, str]]  # line -> (column, text) of its comment


# Python 3.12 splits an f-string into start, middle and end tokens.
_STRING_TOKENS = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}


def _line_facts(text: str) -> _LineFacts:
    commentable: set[int] = set()
    in_string: set[int] = set()
    comments: dict[int, tuple[int, str]] = {}
    for token in tokenize.generate_tokens(io.StringIO(text, newline="").readline):
        if token.type in (tokenize.NEWLINE, tokenize.NL):
            commentable.add(token.start[0])
        elif token.type == tokenize.COMMENT:
            comments[token.start[0]] = (token.start[1], token.string)
        elif token.type in _STRING_TOKENS:
            in_string.update(range(token.start[0], token.end[0]))
    return _LineFacts(frozenset(commentable), frozenset(in_string), comments)


def _split_lines(text: str) -> list[list[str]]:
    """[body, line ending] pairs; only \\n, \\r\\n and \\r end a line, as Python counts."""
    pairs = [[match.group(1), match.group(2)] for match in _LINE.finditer(text)]
    while pairs and pairs[-1] == ["", ""]:
        pairs.pop()
    return pairs


def _with_directive(body: str, codes: list[str], comment: Optional[tuple[int, str]]) -> tuple[str, int]:
    """`body` with `codes` added to its `# noqa` directive (or a new one); and how many were new."""
    if comment is not None:
        column, text = comment
        match = _NOQA_CODES.search(text)
        if match is not None:
            present = set(_CODE.findall(match.group("codes").upper()))
            missing = [code for code in codes if code not in present]
            if not missing:
                return body, 0
            at = column + match.end("codes")
            return body[:at] + ", " + ", ".join(missing) + body[at:], len(missing)
    code_end = len(body.rstrip(" \t"))
    return body[:code_end] + "  # noqa: " + ", ".join(codes) + body[code_end:], len(codes)


def _file_bytes(path: str) -> tuple[Optional[bytes], Optional[str]]:
    try:
        return read_bounded(path, file_limit(path)), None
    except Unreadable as error:
        return None, f"cannot read {path}: {error.reason}"


def _encoding(data: bytes) -> Optional[str]:
    try:
        return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError:
        return None


def _annotate_file(path: str, diagnostics: list[Diagnostic], result: NoqaResult) -> None:
    def skip_all(reason: str) -> None:
        result.skipped.extend(Skipped(d, reason) for d in diagnostics)

    data, error = _file_bytes(path)
    if data is None:
        result.errors.append(error or f"cannot read {path}")
        return
    # A notebook gets its comments in the cells' code; the JSON around them stays as it is.
    notebook = parse_notebook(data) if is_notebook(path) else None
    if isinstance(notebook, Notebook):
        text, encoding = notebook.code, "utf-8"
    else:
        text, encoding = decode_source(data), _encoding(data)
    if not isinstance(text, str) or encoding is None:
        skip_all("the file cannot be decoded")
        return
    if notebook is None and text.encode(encoding) != data:
        skip_all(f"its bytes do not survive decoding and re-encoding as {encoding}; it is left as it is")
        return
    try:
        facts = _line_facts(text)
    except (tokenize.TokenError, SyntaxError) as failure:
        skip_all(f"Python's tokenizer cannot read it ({failure})")
        return

    lines = _split_lines(text)
    codes_by_line: dict[int, set[str]] = defaultdict(set)
    for diagnostic in diagnostics:
        row = diagnostic.start.line
        if not 0 < row <= len(lines) or lines[row - 1][0] != diagnostic.source_line:
            result.errors.append(f"{path} changed while nnlint ran; no comment was added to it")
            return
        if row not in facts.commentable:
            where = "inside a multi-line string" if row in facts.in_string else "with a backslash continuation"
            result.skipped.append(Skipped(diagnostic, f"line {row} ends {where}, where a comment cannot go "
                                                      "(nnlint reads a `# noqa` only on the finding's first line)"))
            continue
        codes_by_line[row].add(diagnostic.code)

    added = 0
    edits: list[Edit] = []
    for row, codes in sorted(codes_by_line.items()):
        comment = facts.comments.get(row)
        if comment is not None and not lines[row - 1][0].startswith(comment[1], comment[0]):
            result.errors.append(f"{path}: cannot locate the comment on line {row}; no comment was added to it")
            return
        old_body = lines[row - 1][0]
        body, new = _with_directive(old_body, sorted(codes), comment)
        lines[row - 1][0] = body
        edits.append(Edit(Position(row, 1), Position(row, len(old_body) + 1), body))
        added += bool(new)
    if not added:
        return
    if isinstance(notebook, Notebook):
        annotated = notebook.apply([Fix("noqa", tuple(edits))])
        if annotated is None:
            result.errors.append(f"{path}: the comments could not be placed in its cells; no comment was added")
            return
        new_data = annotated.encode()
    else:
        new_data = "".join(body + ending for body, ending in lines).encode(encoding)
    try:
        # In place, so the file keeps its permissions, owner and links.
        with open(path, "wb") as handle:
            handle.write(new_data)
    except OSError as failure:
        result.errors.append(f"cannot write {path}: {failure.strerror or failure}")
        return
    result.added += added
    result.changed_files.append(path)


def add_noqa(diagnostics: Sequence[Diagnostic]) -> NoqaResult:
    """Write a `# noqa` directive for every finding that can take one."""
    result = NoqaResult()
    by_file: dict[str, list[Diagnostic]] = defaultdict(list)
    for diagnostic in diagnostics:
        if diagnostic.code in _FILE_CODES:
            result.skipped.append(Skipped(diagnostic, "a file that cannot be parsed or read has no line to annotate"))
        else:
            by_file[os.path.realpath(diagnostic.path)].append(diagnostic)
    for diagnostics_of_file in by_file.values():
        _annotate_file(diagnostics_of_file[0].path, diagnostics_of_file, result)
    return result
