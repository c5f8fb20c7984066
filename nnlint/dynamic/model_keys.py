"""Each `[tool.nnlint.dynamic.models."KEY"]` must name a model that exists: a misspelled key
would otherwise be ignored without a word, and the model built without its arguments.

A key names a file (`pkg.module`, matched as `check --dynamic` matches it: a module whose
dotted path ends with it; or `path/file.py`, relative to the project root) and a name defined at
the top level of that file. Both are checked by reading the files (ast), never by running them,
before any child process starts.
"""

from __future__ import annotations

import ast
import difflib
import os
from typing import Iterator, Optional

from nnlint.dynamic.session import module_key
from nnlint.dynamic.settings import DynamicSettings
from nnlint.parse import MAX_SOURCE_BYTES
from nnlint.reading import Unreadable, read_bounded

# Folders that hold no project code (virtualenvs are recognised by their pyvenv.cfg).
_SKIPPED_FOLDERS = {"__pycache__", "node_modules", "site-packages", "build", "dist"}


def _python_files(root: str) -> Iterator[str]:
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith(".") and name not in _SKIPPED_FOLDERS
                               and not os.path.exists(os.path.join(folder, name, "pyvenv.cfg")))
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.join(folder, name)


def top_level_names(path: str) -> Optional[set[str]]:
    """Classes, functions and variables the file defines at the top level (also inside a
    top-level `if` or `try`); None when it cannot be read or parsed (then nothing is judged)."""
    try:
        tree = ast.parse(read_bounded(path, MAX_SOURCE_BYTES))
    except (Unreadable, SyntaxError, ValueError):
        return None
    names: set[str] = set()
    statements = list(tree.body)
    while statements:
        statement = statements.pop()
        if isinstance(statement, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(statement.name)
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                names.update(node.id for node in ast.walk(target) if isinstance(node, ast.Name))
        elif isinstance(statement, (ast.If, ast.Try)):
            statements.extend(statement.body + statement.orelse + getattr(statement, "finalbody", []))
            for handler in getattr(statement, "handlers", []):
                statements.extend(handler.body)
    return names


def _hint(wanted: str, known: list[str]) -> str:
    close = difflib.get_close_matches(wanted, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def model_key_errors(settings: DynamicSettings, root: str, config_path: Optional[str]) -> list[str]:
    """One message per configured model key that names no file or no name in it."""
    errors: list[str] = []
    modules: Optional[dict[str, str]] = None  # module key -> file, read once when needed
    for key in settings.models:
        module, _, name = key.rpartition(":")
        where = f'[tool.nnlint.dynamic.models."{key}"] of {config_path or "the configuration"}'
        if module.endswith(".py"):
            path = os.path.join(root, module)
            if not os.path.isfile(path):
                errors.append(f"{where}: no file {module} (the path is relative to {root})")
                continue
            files = [path]
        else:
            if modules is None:
                modules = {module_key(path, root): path for path in _python_files(root)}
            files = [path for found, path in modules.items() if found == module or found.endswith("." + module)]
            if not files:
                file_name = module.replace(".", "/") + ".py"
                how = (_hint(module, sorted(modules)) or f" (write \"pkg.module:Name\" for pkg/module.py under "
                                                          f"{root}, or \"path/file.py:Name\")")
                errors.append(f"{where}: no file {file_name} in the project{how}")
                continue
        defined: set[str] = set()
        for path in files:
            names = top_level_names(path)
            if names is None:
                break
            defined |= names
        else:
            if name not in defined:
                shown = os.path.relpath(files[0], root) if len(files) == 1 else module
                errors.append(f"{where}: {shown} defines no {name!r}{_hint(name, sorted(defined))}")
    return errors
