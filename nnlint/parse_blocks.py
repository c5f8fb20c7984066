"""Where a file can be cut into top-level blocks, for linting the parts of a broken file.

A block starts at a line whose first character begins a new top-level statement. Column 0
alone is not enough: a triple-quoted string or an open bracket can hold text at column 0,
so the tokenizer decides wherever it could read the file; only past the point where it gave
up (an unclosed bracket or string, an indentation error) does the text of a line decide.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Where str.splitlines ends a line and Python (and libcst) do not.
NON_PYTHON_LINE_BREAKS = ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
# Clauses that continue the statement above them rather than starting one.
_CONTINUATION = re.compile(r"(else|elif|except|finally)\b")
_OPENING, _CLOSING = "([{", ")]}"


def source_lines(text: str, keepends: bool = False) -> list[str]:
    """The lines of source text numbered as Python and libcst number them: only \\n, \\r\\n
    and \\r end a line. (str.splitlines also breaks at form feeds, \\x1c-\\x1e, \\x85 and
    U+2028/9, which would shift every later line and read a `# noqa` from the wrong one.)"""
    if not any(character in text for character in NON_PYTHON_LINE_BREAKS):
        # Then str.splitlines breaks where Python does, and drops an empty last line as
        # below: a fifth of the cost of the regular expression (each `in` is a C scan).
        return text.splitlines(keepends)
    if keepends:
        ends = [match.end() for match in _LINE_BREAK.finditer(text)]
        lines = [text[start:end] for start, end in zip([0, *ends], [*ends, len(text)])]
    else:
        lines = _LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


@dataclass(frozen=True)
class _TokenView:
    statement_starts: frozenset[int]  # lines where a logical line begins at column 0
    string_lines: frozenset[int]  # lines inside a multi-line string (not its first line)
    trusted_until: int  # up to this line the tokenizer's view is the truth


def _token_view(text: str) -> _TokenView:
    starts: set[int] = set()
    inside_strings: set[int] = set()
    open_brackets: list[int] = []
    at_line_start, reached = True, 0
    skipped = (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind, string, (row, column), (end_row, _) = token[:4]
            if kind == tokenize.ENDMARKER:
                reached = len(source_lines(text))
                break
            if kind == tokenize.NEWLINE:
                at_line_start = True
            elif kind not in skipped:
                if at_line_start and column == 0 and not open_brackets:
                    starts.add(row)
                at_line_start = False
            if kind == tokenize.STRING or kind == getattr(tokenize, "FSTRING_MIDDLE", -1):
                inside_strings.update(range(row + 1, end_row + 1))
            elif kind == tokenize.OP and string in _OPENING:
                open_brackets.append(row)
            elif kind == tokenize.OP and string in _CLOSING and open_brackets:
                open_brackets.pop()
            reached = max(reached, end_row)
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass  # the view up to `reached` still holds
    trusted = reached if not open_brackets else min(reached, open_brackets[0])
    return _TokenView(frozenset(starts), frozenset(inside_strings), trusted)


def _looks_like_statement_start(line: str) -> bool:
    first = line[:1]
    if not first or first in " \t\f#\\" or first in _CLOSING:
        return False
    return not _CONTINUATION.match(line)


def block_starts(text: str) -> list[int]:
    """The first line (1-based) of each top-level block; line 1 always starts one.

    Decorators stay with the definition below them; a line after a backslash continuation,
    a closing bracket or an `else:`/`except:` clause never starts a block.
    """
    lines = source_lines(text)
    view = _token_view(text)
    starts = [1]
    previous_code = ""
    previous_line = ""
    for number, line in enumerate(lines, start=1):
        candidate = (
            number > 1
            and _looks_like_statement_start(line)
            and not previous_code.startswith("@")
            and not previous_line.endswith("\\")
        )
        if candidate:
            if number <= view.trusted_until:
                candidate = number in view.statement_starts
            else:
                candidate = number not in view.string_lines
        if candidate:
            starts.append(number)
        previous_line = line
        if line.strip() and not line.lstrip().startswith("#"):
            previous_code = line
    return starts
