"""Quick fixes for findings: the rule's own fix, and a `# noqa` comment that silences it.

Edits are computed on the text the findings came from (the server keeps both together), so
a fix never lands on a buffer that changed under it: the client rejects a workspace edit
for a stale document version.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from typing import Optional, Sequence

from lsprotocol import types

from nnlint.diagnostic import Diagnostic, Position
from nnlint.fix.apply import apply_fixes
from nnlint.lsp.conversion import SOURCE, lsp_range, offset_position
from nnlint.parse import ParsedFile, parse_source

FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"
# A line with its terminator; the last line may have none.
_LINE_WITH_END = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")

# `# noqa: A1, B2`: where its code list ends, to add one more code after it.
_NOQA_WITH_CODES = re.compile(r"#\s*noqa\s*:\s*[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*", re.IGNORECASE)
_BARE_NOQA = re.compile(r"#\s*noqa(?!\s*:)", re.IGNORECASE)


@dataclass(frozen=True)
class TextChange:
    """Replace the text between two nnlint positions (1-based, characters) with `content`."""

    start: Position
    end: Position
    content: str


def fix_changes(diagnostic: Diagnostic, text: str) -> list[TextChange]:
    """The edits of the finding's fix; none when it has no fix or when its result would not
    parse (as `--fix` refuses to write such a result, the editor is not offered it)."""
    fix = diagnostic.fix
    if fix is None:
        return []
    fixed = apply_fixes(text, [fix])
    parsed = parse_source(fixed) if fixed is not None else None
    if not (isinstance(parsed, ParsedFile) and parsed.complete):
        return []
    return [TextChange(edit.start, edit.end, edit.content) for edit in fix.edits]


def _lines_inside_tokens(text: str) -> Optional[tuple[dict[int, tokenize.TokenInfo], set[int]]]:
    """Comment tokens by 1-based line, and the lines whose end lies inside a token (a triple-quoted
    string) where no comment can go; None when the text does not tokenize."""
    comments: dict[int, tokenize.TokenInfo] = {}
    inside: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = token
            elif token.end[0] > token.start[0] and token.type not in (tokenize.NEWLINE, tokenize.NL):
                inside.update(range(token.start[0], token.end[0]))
    except (tokenize.TokenError, SyntaxError):
        return None
    return comments, inside


def noqa_change(text: str, lines: Sequence[str], line_number: int, code: str) -> Optional[TextChange]:
    """The edit that silences `code` on line `line_number` (1-based): add it to the line's
    `# noqa: ...` list or append `  # noqa: CODE`. None where a comment cannot be added
    (the line ends inside a string or with a backslash continuation)."""
    if not 0 < line_number <= len(lines):
        return None
    line = lines[line_number - 1]
    tokens = _lines_inside_tokens(text)
    if tokens is not None and line_number in tokens[1]:
        return None
    if line.rstrip().endswith("\\"):
        return None
    comment = tokens[0].get(line_number) if tokens is not None else None
    if comment is not None:
        with_codes = _NOQA_WITH_CODES.search(comment.string)
        if with_codes:
            end = comment.start[1] + with_codes.end()
            return TextChange(Position(line_number, end + 1), Position(line_number, end + 1), f", {code}")
        if _BARE_NOQA.search(comment.string):
            return None  # already silences every code
    content_end = len(line.rstrip())
    return TextChange(Position(line_number, content_end + 1), Position(line_number, len(line) + 1),
                      f"  # noqa: {code}")


def _workspace_edit(uri: str, version: Optional[int], edits: list[types.TextEdit],
                    versioned: bool) -> types.WorkspaceEdit:
    if not versioned:
        return types.WorkspaceEdit(changes={uri: edits})
    document = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
    return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=document, edits=edits)])


def _text_edits(changes: Sequence[TextChange], lines: Sequence[str], encoding: str) -> list[types.TextEdit]:
    return [types.TextEdit(range=lsp_range(lines, change.start, change.end, encoding), new_text=change.content)
            for change in changes]


def code_actions(diagnostic: Diagnostic, lsp_diagnostic: types.Diagnostic, text: str, lines: Sequence[str],
                 uri: str, version: Optional[int], encoding: str,
                 versioned_edits: bool = True) -> list[types.CodeAction]:
    """The quick fixes offered for one finding: its fix first, when it has one, then noqa.

    With `versioned_edits` (the client supports `documentChanges`) an edit names the document
    version it was computed on, so that the client refuses it on a newer text.
    """
    actions: list[types.CodeAction] = []

    def workspace_edit(changes: Sequence[TextChange]) -> types.WorkspaceEdit:
        return _workspace_edit(uri, version, _text_edits(changes, lines, encoding), versioned_edits)

    fix_edits = fix_changes(diagnostic, text)
    if fix_edits and diagnostic.fix is not None:
        safe = diagnostic.fix.is_safe
        suffix = "" if safe else " (unsafe: check the result)"
        actions.append(types.CodeAction(
            title=f"{SOURCE} ({diagnostic.code}): {diagnostic.fix.message}{suffix}",
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[lsp_diagnostic],
            edit=workspace_edit(fix_edits),
            is_preferred=safe,
        ))
    silence = noqa_change(text, lines, diagnostic.start.line, diagnostic.code)
    if silence is not None:
        actions.append(types.CodeAction(
            title=f"{SOURCE}: disable {diagnostic.code} for this line (# noqa)",
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[lsp_diagnostic],
            edit=workspace_edit([silence]),
        ))
    return actions


def changed_lines_edit(old: str, new: str, encoding: str) -> types.TextEdit:
    """One edit turning `old` into `new` that replaces only the lines between their common
    first and last lines, so that the editor keeps its cursor and folds elsewhere."""
    old_lines, new_lines = _LINE_WITH_END.findall(old), _LINE_WITH_END.findall(new)
    prefix = 0
    while prefix < min(len(old_lines), len(new_lines)) and old_lines[prefix] == new_lines[prefix]:
        prefix += 1
    suffix = 0
    while (suffix < min(len(old_lines), len(new_lines)) - prefix
           and old_lines[-1 - suffix] == new_lines[-1 - suffix]):
        suffix += 1
    start = sum(len(line) for line in old_lines[:prefix])
    end = len(old) - sum(len(line) for line in old_lines[len(old_lines) - suffix:])
    return types.TextEdit(
        range=types.Range(start=offset_position(old, start, encoding), end=offset_position(old, end, encoding)),
        new_text="".join(new_lines[prefix:len(new_lines) - suffix]),
    )


def fix_all_action(old: str, new: str, uri: str, version: Optional[int], encoding: str,
                   versioned_edits: bool = True) -> types.CodeAction:
    """The source action applying every safe fix (`editor.codeActionsOnSave` in VS Code)."""
    edit = _workspace_edit(uri, version, [changed_lines_edit(old, new, encoding)], versioned_edits)
    return types.CodeAction(title=f"{SOURCE}: fix all safe fixes", kind=FIX_ALL_KIND, edit=edit)
