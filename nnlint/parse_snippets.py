"""Forum-style fragments made into modules nnlint can read, and their positions mapped back.

A snippet pasted from a post keeps the indentation of the block it came from, or is only the
methods of a model class (`def __init__(self): ...`, `def forward(self, x): ...`) without the
`class` line. Python refuses the first and reads the second as plain functions. The fragment
is read as the module it stands for: an interactive session's prompts and output removed, the
common indentation removed, methods pasted with
their indentation above column-0 code given their class line back, and a run of top-level
methods placed in a class `_Snippet(torch.nn.Module)` (`_Snippet(pl.LightningModule)` when a
method is a Lightning step, such as a `training_step` posted alone). The class takes the name
the paste gives it (`super(Net, self)`, or the one undefined class its code instantiates:
`model = Net()`), so the code below the methods uses that model. A `SnippetLayout` says how
a line and column of that module's text map back to the file's own.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass
from typing import Optional

from nnlint.catalogue.names import CONVENTIONAL_IMPORTS, LIGHTNING_MODULE_METHODS
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
    # How much the wrapped lines were indented: 0 for methods pasted with their own indentation.
    added_indent: int = len(_METHOD_INDENT)

    def to_file(self, line: int, column: int) -> tuple[int, int]:
        """A generated (line, 0-based column) as the file's own."""
        if self.class_line is not None and line >= self.class_line:
            if line == self.class_line:
                return line, self.dedent
            if line <= self.class_end:
                column = max(column - self.added_indent, 0)
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


def _is_method(node: ast.stmt) -> bool:
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and bool(node.args.args) \
        and node.args.args[0].arg == "self"


def _class_name(tree: ast.Module, methods: list[ast.stmt]) -> str:
    """What the pasted class was called: the `X` of `super(X, self)` in its methods, else the
    one class the snippet's own code instantiates without defining or importing it
    (`model = Net()`), else `_Snippet`. So `model = Net()` below the methods is that model."""
    for method in methods:
        for node in ast.walk(method):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super" \
                    and len(node.args) == 2 and isinstance(node.args[0], ast.Name):
                return node.args[0].id
    bound: set[str] = set(dir(builtins)) | set(CONVENTIONAL_IMPORTS)
    called: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if any(alias.name == "*" for alias in node.names):
                return SNIPPET_CLASS  # the star may bind any name
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id[:1].isupper():
            called.add(node.func.id)
    candidates = called - bound
    return candidates.pop() if len(candidates) == 1 else SNIPPET_CLASS


def _method_run(text: str) -> Optional[tuple[int, int, bool, str]]:
    """First and last line of the top-level functions taking `self`, when they are
    consecutive, name a model method, and the file defines no class of its own; whether
    one of them is a Lightning step; and the class's name."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if any(isinstance(node, ast.ClassDef) for node in tree.body):
        return None
    indices = [i for i, node in enumerate(tree.body) if _is_method(node)]
    if not indices or indices != list(range(indices[0], indices[-1] + 1)):
        return None
    methods = [tree.body[i] for i in indices]
    if not any(method.name in _MODEL_METHODS for method in methods):  # type: ignore[attr-defined]
        return None
    first = min([methods[0].lineno, *(d.lineno for d in methods[0].decorator_list)])  # type: ignore[attr-defined]
    last = methods[-1].end_lineno or methods[-1].lineno
    lightning = any(method.name in LIGHTNING_MODULE_METHODS for method in methods)  # type: ignore[attr-defined]
    return first, last, lightning, _class_name(tree, methods)


def as_class_body(text: str) -> Optional[tuple[str, SnippetLayout]]:
    """The text with its run of top-level model methods inside a class, or None."""
    run = _method_run(text)
    if run is None:
        return None
    first, last, lightning, name = run
    lines = source_lines(text, keepends=True)
    body = [_METHOD_INDENT + line if line.strip() else line for line in lines[first - 1:last]]
    header = _class_header(name, lightning)
    generated = "".join([*lines[:first - 1], header, *body, *lines[last:]])
    return generated, SnippetLayout(class_line=first, class_end=last + 1)


def _class_header(name: str, lightning: bool) -> str:
    base = "pl.LightningModule" if lightning else "torch.nn.Module"
    return f"class {name}({base}):\n"


_INDENTED_METHOD = re.compile(r"[ \t]+(?:async[ \t]+)?def[ \t]+\w+[ \t]*\([ \t]*self\b")


def indented_class_body(text: str) -> Optional[tuple[str, SnippetLayout]]:
    """A class's methods pasted with their indentation (from inside the class), followed by
    code at column 0 (`model = Net()`, a loop): the text with a class line put before the
    methods, which keep their indentation; None when the text is not of that shape."""
    lines = source_lines(text, keepends=True)
    start = next((i for i, line in enumerate(lines) if _is_code(line)), None)
    if start is None:
        return None
    head = lines[start]
    if not (_INDENTED_METHOD.match(head) or (head[:1].isspace() and head.lstrip().startswith("@"))):
        return None
    # The methods end before the first code line at column 0.
    end = next((i for i in range(start, len(lines)) if _is_code(lines[i]) and not lines[i][:1].isspace()), len(lines))
    if end == len(lines):
        return None  # all indented: the dedent path reads it
    trial = "".join(["class _C:\n", *lines[start:end]])
    try:
        tree = ast.parse(trial)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    methods = [node for node in tree.body[0].body if _is_method(node)]  # type: ignore[attr-defined]
    names = {method.name for method in methods}  # type: ignore[attr-defined]
    if not methods or not names & _MODEL_METHODS:
        return None
    try:
        whole = ast.parse("".join(["class _C:\n", *lines[start:end], *lines[end:]]))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    header = _class_header(_class_name(whole, methods), bool(names & LIGHTNING_MODULE_METHODS))
    generated = "".join([*lines[:start], header, *lines[start:]])
    return generated, SnippetLayout(class_line=start + 1, class_end=end + 1, added_indent=0)


_PROMPT = re.compile(r">>> ?|\.\.\. ?")
_PROMPT_WIDTH = 4


def repl_session(text: str) -> Optional[str]:
    """An interactive session pasted from a post (`>>> x = ...`, `... ` continuations, the
    printed results between them) as the code it ran: prompts removed, every other line
    (output) blanked so the lines keep their numbers; None when the text is not a session.
    Only the full four-character prompts count, so the code keeps one column shift."""
    lines = source_lines(text, keepends=True)
    first = next((line for line in lines if _is_code(line)), "")
    if not first.startswith(">>> "):
        return None
    out = []
    for line in lines:
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        if body.startswith((">>> ", "... ")):
            out.append(body[_PROMPT_WIDTH:] + ending)
        elif body in (">>>", "..."):
            out.append(ending)
        else:
            out.append(ending)  # printed output, or a blank line
    return "".join(out)
