"""In the child process: load a user's module without running its script part, and list the
models it defines.

The module's top-level statements run one by one, each under its own try, so that a failed
`import pytorch_lightning` costs only the classes that need it. Loops, `with` blocks and the
`if __name__ == "__main__":` block are skipped: they are where training scripts train.
A top-level block with a syntax error is skipped too, and is one failure.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import sys
import types
from dataclasses import dataclass, field
from typing import Any, Optional

MODULE_NAME = "__nnlint_dynamic__"
_SKIPPED = (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)
# Names of top-level functions treated as model builders (called when they need no arguments).
_BUILDER_WORDS = ("model", "net", "build", "make", "create")


@dataclass
class LoadedModule:
    namespace: dict[str, Any]
    tree: ast.Module
    # (line, message) of top-level statements that raised.
    failures: list[tuple[int, str]] = field(default_factory=list)
    # Names a failed statement would have defined, e.g. a class whose base failed to import.
    failed_names: dict[str, str] = field(default_factory=dict)
    # Per name, the file's own first call building it from literals (literal_calls).
    literal_calls: dict[str, "LiteralCall"] = field(default_factory=dict)


@dataclass
class Candidate:
    """Something that may be a model: a class, a module-level instance, or a builder function."""

    name: str
    kind: str  # "class", "instance" or "builder"
    start: int
    end: int
    # For classes: method name -> (first line, last line), to tell forward from training_step.
    methods: dict[str, tuple[int, int]] = field(default_factory=dict)
    # For instances: the class they are an instance of, when defined in this module.
    class_name: Optional[str] = None


def _is_main_guard(statement: ast.stmt) -> bool:
    if not isinstance(statement, ast.If):
        return False
    test = statement.test
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__")


def _defined_names(statement: ast.stmt) -> list[str]:
    if isinstance(statement, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
        return [statement.name]
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return [(alias.asname or alias.name).split(".")[0] for alias in statement.names]
    targets: list[ast.expr] = []
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, ast.AnnAssign):
        targets = [statement.target]
    return [name.id for target in targets for name in ast.walk(target) if isinstance(name, ast.Name)]


def _parse(source: bytes, path: str, failures: list[tuple[int, str]]) -> ast.Module:
    """The module's tree; with a syntax error, the top-level blocks that compile (as static
    mode lints them), each block that does not being one failure. Raises SyntaxError when
    no block compiles."""
    try:
        return ast.parse(source, filename=path)
    except SyntaxError as whole:
        from nnlint.parse_blocks import block_starts, source_lines

        text = importlib.util.decode_source(source)
        lines = source_lines(text, keepends=True)
        starts = block_starts(text)
        body: list[ast.stmt] = []
        for first, after in zip(starts, [*starts[1:], len(lines) + 1]):
            try:
                block = ast.parse("".join(lines[first - 1:after - 1]), filename=path)
            except SyntaxError as error:
                failures.append((first + (error.lineno or 1) - 1, f"SyntaxError: {error.msg}"))
                continue
            body.extend(ast.increment_lineno(block, first - 1).body)
        if not body:
            raise whole from None
        return ast.Module(body=body, type_ignores=[])


def load_module(path: str) -> LoadedModule:
    """Run `path`'s definitions in a fresh module; never raises for the user's errors, except
    SyntaxError when no top-level block of the file compiles."""
    with open(path, "rb") as handle:
        source = handle.read()
    failures: list[tuple[int, str]] = []
    tree = _parse(source, path, failures)
    module = types.ModuleType(MODULE_NAME)
    module.__file__ = os.path.abspath(path)
    sys.modules[MODULE_NAME] = module
    # Sibling imports (`from layers import Block`) resolve as they do when the user runs it.
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    loaded = LoadedModule(namespace=module.__dict__, tree=tree, failures=failures, literal_calls=literal_calls(tree))
    for statement in tree.body:
        if isinstance(statement, _SKIPPED) or _is_main_guard(statement):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue
        code = compile(ast.Module(body=[statement], type_ignores=[]), path, "exec")
        try:
            exec(code, loaded.namespace)
        except BaseException as error:  # noqa: BLE001 - SystemExit too: the module is not the program
            if isinstance(error, KeyboardInterrupt):
                raise
            message = f"{type(error).__name__}: {error}".strip()
            # `class Net(pl.LightningModule)` fails because `import pytorch_lightning as pl` did.
            missing = getattr(error, "name", None) if isinstance(error, NameError) else None
            if missing in loaded.failed_names:
                message += f" ({loaded.failed_names[missing]})"
            loaded.failures.append((statement.lineno, message))
            for name in _defined_names(statement):
                loaded.failed_names[name] = f"line {statement.lineno} raised {message}"
    return loaded


def _first_line(node: ast.stmt) -> int:
    # A code object starts at its first decorator: that is the line a profiler reports.
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno, *(decorator.lineno for decorator in decorators)])


def _methods(node: ast.ClassDef) -> dict[str, tuple[int, int]]:
    return {item.name: (_first_line(item), item.end_lineno or item.lineno) for item in node.body
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}


@dataclass
class LiteralCall:
    """A call of the file's own that builds a model from literals: `Net(10, hidden=64)`."""

    args: list[Any]
    kwargs: dict[str, Any]
    line: int
    text: str


def _literal(node: ast.expr) -> tuple[bool, Any]:
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def literal_calls(tree: ast.Module) -> dict[str, LiteralCall]:
    """Per name, the first call `Name(...)` in the file whose arguments are all literals, in
    the `__main__` block, a function, a loop or a `with` block — where a script builds its
    model. Not in class bodies (where a model builds its own blocks), nor in top-level
    statements the loader runs (a model built there is probed as that instance)."""
    found: dict[str, LiteralCall] = {}
    pending: list[ast.AST] = [statement for statement in tree.body
                              if isinstance(statement, (*_SKIPPED, ast.FunctionDef, ast.AsyncFunctionDef))
                              or _is_main_guard(statement)]
    calls: list[ast.Call] = []
    while pending:
        node = pending.pop()
        if isinstance(node, ast.ClassDef):
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            calls.append(node)
        pending.extend(ast.iter_child_nodes(node))
    for call in sorted(calls, key=lambda node: (node.lineno, node.col_offset)):
        name = call.func.id  # type: ignore[attr-defined]
        if name in found or not (call.args or call.keywords):
            continue
        values = [_literal(arg) for arg in call.args if not isinstance(arg, ast.Starred)]
        keywords = {keyword.arg: _literal(keyword.value) for keyword in call.keywords if keyword.arg}
        if len(values) != len(call.args) or len(keywords) != len(call.keywords):
            continue  # *args or **kwargs
        if all(ok for ok, _ in values) and all(ok for ok, _ in keywords.values()):
            found[name] = LiteralCall([value for _, value in values], {key: value for key, (_, value) in keywords.items()},
                                      call.lineno, ast.unparse(call)[:120])
    return found


def top_level_functions(tree: ast.Module) -> list[dict[str, Any]]:
    """Top-level functions (a loss or helper forward may call), with their line ranges."""
    return [{"name": node.name, "start": _first_line(node), "end": node.end_lineno or node.lineno}
            for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def find_candidates(loaded: LoadedModule, module_type: type) -> list[Candidate]:
    """Module classes, module-level instances and builder functions, in source order."""
    found: list[Candidate] = []
    namespace = loaded.namespace
    for statement in loaded.tree.body:
        start, end = statement.lineno, statement.end_lineno or statement.lineno
        if isinstance(statement, ast.ClassDef):
            value = namespace.get(statement.name)
            if statement.name in loaded.failed_names or (isinstance(value, type) and issubclass(value, module_type)):
                found.append(Candidate(statement.name, "class", start, end, _methods(statement)))
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lowered = statement.name.lower()
            if any(word in lowered for word in _BUILDER_WORDS) and not lowered.startswith(("train", "test", "eval")):
                found.append(Candidate(statement.name, "builder", start, end))
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            for name in _defined_names(statement):
                value = namespace.get(name)
                if isinstance(value, module_type):
                    owner = type(value).__name__
                    in_module = getattr(type(value), "__module__", None) == MODULE_NAME
                    found.append(Candidate(name, "instance", start, end, class_name=owner if in_module else None))
    return found
