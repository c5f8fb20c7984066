"""Forum-style fragments made into modules nnlint can read, and their positions mapped back.

A snippet pasted from a post keeps the indentation of the block it came from, or is only the
methods of a model class (`def __init__(self): ...`, `def forward(self, x): ...`) without the
`class` line. Python refuses the first and reads the second as plain functions. The fragment
is read as the module it stands for: the common indentation removed, and a run of top-level
methods placed in a class `_Snippet(torch.nn.Module)` (`_Snippet(pl.LightningModule)` when a
method is a Lightning step, such as a `training_step` posted alone). A `SnippetLayout` says how
a line and column of that module's text map back to the file's own.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Optional

from nnlint.catalogue.names import LIGHTNING_MODULE_METHODS
from nnlint.parse_blocks import source_lines

SNIPPET_CLASS = "_Snippet"
# The wrapped methods are indented by this much in the generated text.
_METHOD_INDENT = "    "
_LEADING_WHITESPACE = re.compile(r"[ \t]*")
# Methods that make a run of top-level `self` functions a model class body.
_MODEL_METHODS = frozenset({"__init__", "forward"}) | LIGHTNING_MODULE_METHODS


@dataclass(frozen=True)
class SnippetLayout:
    """How the text nnlint parsed differs from the file: `dedent` characters of common
    indentation removed from every line, and, when `class_line` is set, a class header
    inserted before that (1-based, generated) line and the lines up to `class_end` indented."""

    dedent: int = 0
    class_line: Optional[int] = None
    class_end: int = 0

    def to_file(self, line: int, column: int) -> tuple[int, int]:
        """A generated (line, 0-based column) as the file's own."""
        if self.class_line is not None and line >= self.class_line:
            if line == self.class_line:
                return line, self.dedent
            if line <= self.class_end:
                column = max(column - len(_METHOD_INDENT), 0)
            line -= 1
        return line, column + self.dedent


def _is_code(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _common_indent(lines: list[str]) -> str:
    # Comments do not count: a pasted fragment often sits under a comment at column 0.
    indents = [_LEADING_WHITESPACE.match(line).group() for line in lines if _is_code(line)]  # type: ignore[union-attr]
    if not indents:
        return ""
    common = indents[0]
    for indent in indents[1:]:
        while not indent.startswith(common):
            common = common[:-1]
    return common


def dedented(text: str) -> Optional[tuple[str, int]]:
    """The text without the indentation every code line shares, and its width; None when
    the first code line is not indented (the file is an ordinary module)."""
    lines = source_lines(text, keepends=True)
    first = next((line for line in lines if _is_code(line)), "")
    if not first[:1].isspace():
        return None
    common = _common_indent(lines)
    if not common:
        return None
    width = len(common)
    # A comment indented less than the code loses only its own indentation.
    return "".join(line[min(width, len(_LEADING_WHITESPACE.match(line).group())):]  # type: ignore[union-attr]
                   if line.strip() else line for line in lines), width


def _method_run(text: str) -> Optional[tuple[int, int, bool]]:
    """First and last line of the top-level functions taking `self`, when they are
    consecutive, name a model method, and the file defines no class of its own; and whether
    one of them is a Lightning step."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if any(isinstance(node, ast.ClassDef) for node in tree.body):
        return None
    indices = [i for i, node in enumerate(tree.body)
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.args.args
               and node.args.args[0].arg == "self"]
    if not indices or indices != list(range(indices[0], indices[-1] + 1)):
        return None
    methods = [tree.body[i] for i in indices]
    if not any(method.name in _MODEL_METHODS for method in methods):  # type: ignore[attr-defined]
        return None
    first = min([methods[0].lineno, *(d.lineno for d in methods[0].decorator_list)])  # type: ignore[attr-defined]
    last = methods[-1].end_lineno or methods[-1].lineno
    lightning = any(method.name in LIGHTNING_MODULE_METHODS for method in methods)  # type: ignore[attr-defined]
    return first, last, lightning


def as_class_body(text: str) -> Optional[tuple[str, SnippetLayout]]:
    """The text with its run of top-level model methods inside a class, or None."""
    run = _method_run(text)
    if run is None:
        return None
    first, last, lightning = run
    lines = source_lines(text, keepends=True)
    body = [_METHOD_INDENT + line if line.strip() else line for line in lines[first - 1:last]]
    base = "pl.LightningModule" if lightning else "torch.nn.Module"
    header = f"class {SNIPPET_CLASS}({base}):\n"
    generated = "".join([*lines[:first - 1], header, *body, *lines[last:]])
    return generated, SnippetLayout(class_line=first, class_end=last + 1)
