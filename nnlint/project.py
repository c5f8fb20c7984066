"""The project join: which file an imported name comes from, and what it is there.

Each file's summary (`ModuleExports`, cached with its result) says what its models return,
its classes' bases and methods, its loss wrappers and training pipelines; the file's facts
say which imported names it calls. This module finds the file behind such a name the way
Python's import system would from the usual places (the importing script's directory, the
top of its package, the project root, `src/`), follows re-exports through `__init__.py`,
factory functions, models composed of other files' models and base classes defined in other
files (an inherited `forward` returning `self.classify(h)` is dispatched to the subclass's
override), and hands the importing file what it resolved: returns, modes, loss wrappers,
training pipelines. Nothing is imported, and no file is parsed twice: positions travel in
the summaries.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any, Callable, Optional

from nnlint.analysis.program.exports import THIS_FILE, ModuleExports, Returned, is_library_name
from nnlint.catalogue import functions as api
from nnlint.catalogue import is_container
from nnlint.parse import MAX_SOURCE_BYTES, quiet_ast_parse
from nnlint.reading import Unreadable, read_bounded

ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
# Re-exports and `via` chains longer than this are not followed (and cycles end here).
_MAX_HOPS = 8

# Exports of a file (absolute path), or None when it cannot be analysed.
ExportsOf = Callable[[Path], Optional[ModuleExports]]


def is_project_root(directory: Path) -> bool:
    return any((directory / marker).exists() for marker in ROOT_MARKERS)


def find_project_root(start: Path) -> Path:
    """The nearest directory at or above `start` holding a project marker; else `start`'s own
    directory."""
    start = Path(os.path.realpath(start))  # Path.resolve raises on a symlink loop
    directory = start if start.is_dir() else start.parent
    for candidate in (directory, *directory.parents):
        if is_project_root(candidate):
            return candidate
    return directory


class ProjectResolver:
    """Resolves the imported names a file uses to the models other project files define."""

    def __init__(self, root: Path, exports_of: ExportsOf) -> None:
        self.root = root.resolve()
        self._exports_of = exports_of
        self._import_tables: dict[Path, dict[str, str]] = {}
        self._plain: dict[Path, ModuleExports] = {}

    # ----------------------------------------------------------- public

    def externals(self, importer: Path, names: tuple[str, ...]) -> dict[str, Returned]:
        """For each imported name of `importer` that reaches a loss, what the model behind it
        returns (only the names that resolve to something known)."""
        resolved: dict[str, Returned] = {}
        for name in names:
            returned = self._model_returns(name, importer.resolve(), hops=0)
            if returned:
                resolved[name] = returned
        return resolved

    def losses(self, importer: Path, names: tuple[str, ...]) -> dict[str, dict[str, Any]]:
        """For each imported name of `importer` called with tensors, the loss it wraps when it
        is another file's loss wrapper (a module class or a function)."""
        found: dict[str, dict[str, Any]] = {}
        for name in names:
            located = self._definition(name, importer.resolve(), "losses", hops=0)
            if located is not None:
                path, exports, local = located
                found[name] = {**exports.losses[local], "origin": [str(path), local]}
        return found

    def pipelines(self, importer: Path, imports: dict[str, str]) -> list[dict[str, Any]]:
        """The training pipelines of the project files `importer` imports a name from, when
        that file trains a model: what a serving script's own pipeline must match."""
        found: list[dict[str, Any]] = []
        seen: set[Path] = set()
        for qualname in imports.values():
            target = self._symbol(qualname, importer.resolve())
            if target is None or target[0] in seen:
                continue
            seen.add(target[0])
            exports = self._exports_of(target[0])
            if exports is not None and exports.trains:
                found += [{**pipeline, "path": str(target[0])} for pipeline in exports.pipelines]
        return found

    def modes(self, importer: Path, names: tuple[str, ...]) -> dict[str, bool]:
        """For each imported model name, whether its class has dropout or batch-norm, when known."""
        found: dict[str, bool] = {}
        for name in names:
            mode = self._model_mode(name, importer.resolve(), hops=0)
            if mode is not None:
                found[name] = mode
        return found

    def constructions(self, importer: Path, imports: dict[str, str]) -> dict[str, dict[str, Any]]:
        """For each project function `importer` imports that returns one optimizer or
        scheduler class (the summaries' `constructions`), what it builds."""
        found: dict[str, dict[str, Any]] = {}
        for qualname in imports.values():
            located = self._definition(qualname, importer.resolve(), "constructions", hops=0)
            if located is not None:
                path, exports, name = located
                found[qualname] = exports.constructions[name]
        return found

    def init_functions(self, importer: Path, imports: dict[str, str]) -> dict[str, dict[str, Any]]:
        """For each project function `importer` imports that sets every layer of a type to
        a constant (the summaries' `init_functions`), what it sets, with its file."""
        found: dict[str, dict[str, Any]] = {}
        for qualname in imports.values():
            located = self._definition(qualname, importer.resolve(), "init_functions", hops=0)
            if located is not None:
                path, exports, name = located
                found[qualname] = {**exports.init_functions[name], "path": display_path(path)}
        return found

    def bases(self, importer: Path, exports: ModuleExports) -> dict[str, dict[str, Any]]:
        """For each base class `importer`'s classes import from another project file, what
        its lineage there is: whether it reaches nn.Module (`module`), whether every class of
        it is known (`closed`: no library base, every project base found), the torch layers
        it builds (`torch_layers`, the most derived class's first; `opaque` when it holds
        layers beyond those, or containers whose items are not known), whether it defines
        `forward`, the attribute names it reads (`reads`) and whether it introspects."""
        found: dict[str, dict[str, Any]] = {}
        for cls in exports.classes.values():
            for base in cls.get("bases", ()):
                if base in exports.classes or base in found:
                    continue
                located = self._definition(base, importer.resolve(), "classes", hops=0)
                if located is not None:
                    found[base] = self._base_info(*located)
        return found

    def _base_info(self, path: Path, exports: ModuleExports, name: str) -> dict[str, Any]:
        lineage = self._lineage(path, exports, name, hops=0)
        known = {(where, cls) for where, _, cls in lineage}
        info: dict[str, Any] = {"module": False, "closed": True, "torch_layers": {}, "opaque": False,
                                "forward": False, "reads": set(), "introspects": False}
        for where, summary, cls in lineage:
            entry = summary.classes.get(cls, {})
            info["module"] = info["module"] or entry.get("module", True)
            info["closed"] = info["closed"] and entry.get("closed", False)
            for attribute, layer in entry.get("torch_layers", {}).items():
                info["torch_layers"].setdefault(attribute, layer)
            # Layers the summary cannot name (a project class, one of two alternatives) or
            # whose items it does not hold (a container): the base's layers are not all known.
            torch_layers = entry.get("torch_layers", {})
            info["opaque"] = info.get("opaque", False) or set(entry.get("layers", {})) != set(torch_layers) \
                or any(is_container(layer) for layer in torch_layers.values())
            info["forward"] = info["forward"] or entry.get("forward", False)
            info["reads"].update(entry.get("reads", ()))
            info["introspects"] = info["introspects"] or entry.get("introspects", True)
            for base in entry.get("bases", ()):
                if base in summary.classes:
                    continue
                located = self._definition(base, where, "classes", hops=1)
                if located is None or (located[0], located[2]) not in known:
                    info["closed"] = False  # a project base no summary describes
        info["reads"] = sorted(info["reads"])
        return info

    # ---------------------------------------------------------- modules

    def _search_directories(self, importer: Path) -> list[Path]:
        """Where `import x` looks from `importer`: its own directory (scripts), the directory
        above its top-level package, the project root and `src/`."""
        directory = importer.parent
        package_top = directory
        while (package_top / "__init__.py").exists() and package_top != self.root:
            package_top = package_top.parent
        found: list[Path] = []
        for candidate in (directory, package_top, self.root, self.root / "src"):
            if candidate not in found and candidate.is_dir():
                found.append(candidate)
        return found

    def _module_file(self, dotted: str, importer: Path) -> Optional[Path]:
        if dotted.startswith("."):
            level = len(dotted) - len(dotted.lstrip("."))
            base = importer.parent
            for _ in range(level - 1):
                base = base.parent
            rest = dotted.lstrip(".")
            return _file_for(base, rest.split(".") if rest else [])
        if is_library_name(dotted):
            return None
        for directory in self._search_directories(importer):
            found = _file_for(directory, dotted.split("."))
            if found is not None and self._inside_project(found):
                return found
        return None

    def _inside_project(self, path: Path) -> bool:
        try:
            path.resolve().relative_to(self.root)
        except ValueError:
            return False
        return True

    def _symbol(self, qualname: str, importer: Path) -> Optional[tuple[Path, str]]:
        """The file and top-level name `qualname` (as `importer` spells it) refers to."""
        if qualname.startswith("."):
            dots = len(qualname) - len(qualname.lstrip("."))
            module, _, name = qualname[dots:].rpartition(".")
            found = self._module_file("." * dots + module, importer)
            return (found, name) if found is not None and name else None
        parts = qualname.split(".")
        if len(parts) < 2:
            return None
        found = self._module_file(".".join(parts[:-1]), importer)
        return (found, parts[-1]) if found is not None else None

    # ----------------------------------------------------------- models

    def _model_returns(self, qualname: str, importer: Path, hops: int) -> Returned:
        if hops > _MAX_HOPS:
            return []
        if qualname.startswith(THIS_FILE + "."):
            own = self._exports_of(importer)
            name = qualname[len(THIS_FILE) + 1:]
            return self._class_returns(importer, own, name, hops) if own is not None and name in own.classes else []
        target = self._symbol(qualname, importer)
        if target is None:
            return []
        path, name = target
        exports = self._exports_of(path)
        if exports is not None and (name in exports.models or name in exports.classes):
            return self._class_returns(path, exports, name, hops)
        if exports is not None and name in exports.factories:
            alternatives: Returned = []
            for model in exports.factories[name]:
                if "local" in model and (model["local"] in exports.models or model["local"] in exports.classes):
                    alternatives += self._class_returns(path, exports, model["local"], hops)
                elif "via" in model:
                    alternatives += self._model_returns(model["via"], path, hops + 1)
            return alternatives
        imported = (exports.imports if exports is not None else self._import_table(path)).get(name)
        if imported is not None and imported != qualname:
            return self._model_returns(imported, path, hops + 1)
        return []

    def _model_mode(self, qualname: str, importer: Path, hops: int) -> Optional[bool]:
        target = self._symbol(qualname, importer) if hops <= _MAX_HOPS else None
        if target is None:
            return None
        path, name = target
        exports = self._exports_of(path)
        if exports is not None and (name in exports.modes or name in exports.classes):
            return self._class_mode(path, exports, name, hops)
        if exports is not None and name in exports.factories:
            found = [self._class_mode(path, exports, model["local"], hops) if "local" in model
                     else self._model_mode(model["via"], path, hops + 1) for model in exports.factories[name]]
            return True if True in found else (False if found and all(item is False for item in found) else None)
        imported = (exports.imports if exports is not None else self._import_table(path)).get(name)
        if imported is not None and imported != qualname:
            return self._model_mode(imported, path, hops + 1)
        return None

    # ---------------------------------------------------------- classes

    def _lineage(self, path: Path, exports: ModuleExports, name: str, hops: int) -> list[tuple[Path, ModuleExports, str]]:
        """The class and its bases, most derived first, across files (breadth first, as far
        as the summaries know them)."""
        lineage: list[tuple[Path, ModuleExports, str]] = []
        pending = [(path, exports, name)]
        while pending and len(lineage) <= _MAX_HOPS:
            current = pending.pop(0)
            if any(current[0] == seen[0] and current[2] == seen[2] for seen in lineage):
                continue
            lineage.append(current)
            where, summary, cls = current
            for base in summary.classes.get(cls, {}).get("bases", ()):
                if base in summary.classes:
                    pending.append((where, summary, base))
                elif hops < _MAX_HOPS:
                    located = self._definition(base, where, "classes", hops + 1)
                    if located is not None:
                        pending.append(located)
        return lineage

    def _class_returns(self, path: Path, exports: ModuleExports, name: str, hops: int) -> Returned:
        """What calling an instance of the class returns: the first `forward` of its lineage,
        with each own method that forward returns the result of (`return self.classify(h)`)
        dispatched to the most derived class defining it, as Python would."""
        lineage = self._lineage(path, exports, name, hops)
        for position, (where, summary, cls) in enumerate(lineage):
            if cls not in summary.models:
                continue
            returned = self._resolve_returned(summary.models[cls], where, name, hops)
            # The forward's own file already followed the call into its own class and bases;
            # only an override in a more derived class adds something.
            for method in summary.classes.get(cls, {}).get("dispatch", ()):
                for owner_path, owner, owner_cls in lineage[:position]:
                    methods = owner.classes.get(owner_cls, {}).get("methods", {})
                    if method in methods:
                        returned += self._resolve_returned(methods[method], owner_path, name, hops)
                        break
            return returned
        return []

    def _class_mode(self, path: Path, exports: ModuleExports, name: str, hops: int) -> Optional[bool]:
        """Dropout/batch-norm anywhere in the lineage: True; known absent in every class: False."""
        modes = [summary.modes.get(cls) for _, summary, cls in self._lineage(path, exports, name, hops)]
        return True if True in modes else (False if all(mode is False for mode in modes) else None)

    def _definition(self, qualname: str, importer: Path, table: str,
                    hops: int) -> Optional[tuple[Path, ModuleExports, str]]:
        """The file, summary and name defining `qualname` in the summary's `table` ("classes",
        "losses"), through re-exports."""
        while hops <= _MAX_HOPS:
            target = self._symbol(qualname, importer)
            if target is None:
                return None
            path, name = target
            exports = self._exports_of(path)
            if exports is None and table == "classes":
                # A file nnlint skipped (no torch in it): a middle class of a lineage
                # (`class BaseModel(Root)` importing `Root` from the file that is the Module).
                exports = self._plain_classes(path)
            if exports is not None and name in getattr(exports, table):
                return path, exports, name
            imported = (exports.imports if exports is not None else self._import_table(path)).get(name)
            if imported is None or imported == qualname:
                return None
            qualname, importer, hops = imported, path, hops + 1
        return None

    def _resolve_returned(self, returned: Returned, path: Path, model: str, hops: int) -> Returned:
        """Give every operation its origin and replace `via` items by what they resolve to."""
        resolved: Returned = []
        for item in returned:
            if "op" in item:
                resolved.append({**item, "origin": [str(path), model, item["index"]]})
            elif "via" in item:
                resolved += self._model_returns(item["via"], path, hops + 1)
            elif "dict" in item:
                resolved.append({"dict": [[name, self._resolve_returned(items, path, model, hops)]
                                          for name, items in item["dict"]]})
            elif "seq" in item:
                resolved.append({"seq": [self._resolve_returned(items, path, model, hops)
                                         for items in item["seq"]]})
        return resolved

    def _plain_classes(self, path: Path) -> ModuleExports:
        """The classes of a file nnlint did not analyse whose bases are project classes,
        read with CPython's parser like its imports."""
        if path not in self._plain:
            tree = _read_tree(path)  # one parse for both tables
            table = self._import_tables.setdefault(path, _imports_of_tree(tree))
            self._plain[path] = ModuleExports(imports=table, classes=_read_plain_classes(tree, table))
        return self._plain[path]

    def _import_table(self, path: Path) -> dict[str, str]:
        """Imports of a file nnlint did not analyse (a package `__init__.py` without torch),
        read with CPython's parser: enough to follow `from .net import Net`."""
        if path not in self._import_tables:
            self._import_tables[path] = _read_import_table(path)
        return self._import_tables[path]


def _file_for(directory: Path, parts: list[str]) -> Optional[Path]:
    if not parts:
        init = directory / "__init__.py"
        return init if init.is_file() else None
    base = directory.joinpath(*parts)
    for candidate in (base.with_name(base.name + ".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _read_tree(path: Path) -> Optional[ast.Module]:
    try:
        return quiet_ast_parse(read_bounded(os.fspath(path), MAX_SOURCE_BYTES))
    except (Unreadable, SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _read_plain_classes(tree: Optional[ast.Module], imports: dict[str, str]) -> dict[str, dict[str, Any]]:
    """What a torch-less file's classes are for the join (the summary's `classes` entries):
    only classes whose bases are all project classes of its own or other files (`object`
    aside); no torch code, so no layers, and what they read is every attribute and string."""
    found: dict[str, dict[str, Any]] = {}
    for statement in tree.body if tree is not None else ():
        if not isinstance(statement, ast.ClassDef) or statement.keywords:
            continue
        bases: list[str] = []
        for base in statement.bases:
            written = base.id if isinstance(base, ast.Name) else None
            if written == "object":
                continue
            if written in found:
                bases.append(written)
            elif written in imports and not is_library_name(imports[written]):
                bases.append(imports[written])
            else:
                bases = []
                break
        if not bases:
            continue
        reads: set[str] = set()
        introspects = False
        for node in ast.walk(statement):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                reads.add(node.attr)
                introspects = introspects or node.attr in api.MODULE_INTROSPECTION_METHODS \
                    or node.attr in api.STATE_LOADING_METHODS
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                reads.add(node.value)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                introspects = introspects or node.func.id in api.MODULE_INTROSPECTION_FUNCTIONS
            elif isinstance(node, ast.FunctionDef) and node.name in api.STATE_LOADING_METHODS:
                introspects = True
        found[statement.name] = {
            "bases": bases, "module": False, "closed": True, "layers": {}, "torch_layers": {}, "methods": {},
            "dispatch": [], "reads": sorted(reads), "introspects": introspects,
            "forward": any(isinstance(item, ast.FunctionDef) and item.name == "forward" for item in statement.body)}
    return found


def _read_import_table(path: Path) -> dict[str, str]:
    return _imports_of_tree(_read_tree(path))


def _imports_of_tree(tree: Optional[ast.Module]) -> dict[str, str]:
    if tree is None:
        return {}
    table: dict[str, str] = {}
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom):
            base = "." * statement.level + (statement.module or "")
            for alias in statement.names:
                if alias.name != "*":
                    joined = f"{base}{alias.name}" if base.endswith(".") or not base else f"{base}.{alias.name}"
                    table[alias.asname or alias.name] = joined
        elif isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname:
                    table[alias.asname] = alias.name
    return table


def display_path(path: Path, cwd: Optional[Path] = None) -> str:
    """A path as a user would write it: relative to the working directory when under it."""
    cwd = cwd or Path.cwd()
    try:
        return os.fspath(path.resolve().relative_to(cwd.resolve()))
    except ValueError:
        return os.fspath(path)
