"""Every fact `analyze` derives from one file, written as stable, readable text.

For the golden fact tests (tests/test_golden_facts.py): a change to an analysis shows up as
a diff of facts, most of which never become a finding. The text names libcst nodes by type,
position and source (`Call 12:8 F.softmax(x, dim=1)`), never by memory address; sets and
mappings are sorted; a field at its default value is left out, so a new field with a default
changes no golden file.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Union

import libcst as cst

from nnlint.analysis import analyze
from nnlint.analysis.lazy import NOT_COMPUTED
from nnlint.analysis.program.syntax import descendants
from nnlint.parse import ParsedFile, decode_source, parse_source
from nnlint.positions import NodePositions

# How much of a node's source to show: enough to recognise it, short enough to read a diff.
_SNIPPET = 60
# Deeper than any fact nests; guards against a fact graph that shares itself without a cycle.
_MAX_DEPTH = 40

Rendered = Union[str, list[str]]  # one inline value, or the lines of a block


class _Renderer:
    def __init__(self, module: cst.Module, text: str) -> None:
        self._module = module
        self._positions = NodePositions(module, text)
        # Some facts hold id(node) (the loops around an event): name those like the node.
        self._by_id = {id(node): node for node in descendants(module, stop=())}
        self._labels: dict[int, str] = {}
        self._active: set[int] = set()

    def node(self, node: cst.CSTNode) -> str:
        label = self._labels.get(id(node))
        if label is not None:
            return label
        if isinstance(node, cst.Module):
            label = "Module"
        else:
            where = self._positions.get(node)
            place = f"{where[0][0]}:{where[0][1]}" if where else "detached"
            try:
                code = self._module.code_for_node(node).strip().splitlines()
            except Exception:  # a node libcst cannot print on its own (rare): its type is enough
                code = []
            snippet = code[0] if code else ""
            if len(code) > 1 or len(snippet) > _SNIPPET:
                snippet = snippet[:_SNIPPET] + "..."
            label = f"{type(node).__name__} {place} {snippet}".rstrip()
        self._labels[id(node)] = label
        return label

    def render(self, value: Any, depth: int = 0) -> Rendered:
        if isinstance(value, cst.CSTNode):
            return self.node(value)
        if isinstance(value, bool) or value is None or isinstance(value, float):
            return repr(value)
        if isinstance(value, int):
            if value in self._by_id:
                return "id of " + self.node(self._by_id[value])
            return "<id>" if value > 1 << 32 else repr(value)
        if isinstance(value, str):
            return repr(value)
        if isinstance(value, enum.Enum):
            return str(value)
        if id(value) in self._active:
            return "<cycle>"
        if depth > _MAX_DEPTH:
            return "<too deep>"
        self._active.add(id(value))
        try:
            return self._compound(value, depth)
        finally:
            self._active.discard(id(value))

    def _compound(self, value: Any, depth: int) -> Rendered:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = [(f.name, getattr(value, f.name)) for f in dataclasses.fields(value)
                      if not _at_default(f, getattr(value, f.name))]
            return self._block(type(value).__name__, fields, depth)
        if isinstance(value, dict):
            items = sorted(((self._inline_key(k, depth), v) for k, v in value.items()), key=lambda kv: kv[0])
            return self._block("dict" if items else "{}", items, depth)
        if isinstance(value, (set, frozenset)):
            rendered = sorted((self.render(item, depth + 1) for item in value), key=_sort_key)
            return self._list("set" if rendered else "set()", rendered)
        if isinstance(value, (list, tuple)):
            rendered = [self.render(item, depth + 1) for item in value]
            return self._list(type(value).__name__ if rendered else repr(type(value)()), rendered)
        if hasattr(value, "__dict__"):
            return self._block(type(value).__name__, sorted(vars(value).items()), depth)
        return f"<{type(value).__name__}>"

    def _inline_key(self, key: Any, depth: int) -> str:
        rendered = self.render(key, depth + 1)
        return rendered if isinstance(rendered, str) else " ".join(line.strip() for line in rendered)

    def _block(self, header: str, fields: list[tuple[str, Any]], depth: int) -> Rendered:
        if not fields:
            return header
        lines = [header]
        for name, item in fields:
            rendered = self.render(item, depth + 1)
            if isinstance(rendered, str):
                lines.append(f"  {name}: {rendered}")
            else:
                lines.append(f"  {name}: {rendered[0]}")
                lines.extend("  " + line for line in rendered[1:])
        return lines

    @staticmethod
    def _list(header: str, items: list[Rendered]) -> Rendered:
        if not items:
            return header
        lines = [header]
        for item in items:
            if isinstance(item, str):
                lines.append(f"  - {item}")
            else:
                lines.append(f"  - {item[0]}")
                lines.extend("    " + line for line in item[1:])
        return lines


def _at_default(field: "dataclasses.Field[Any]", value: Any) -> bool:
    if field.default is NOT_COMPUTED:  # a lazy fact (nnlint.analysis.lazy): its builder's default
        return value is None or (isinstance(value, list) and not value)
    if field.default is not dataclasses.MISSING:
        return value is field.default or (type(value) is type(field.default) and value == field.default)
    if field.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        return isinstance(value, (dict, list, set, tuple, frozenset)) and not value
    return False


def _sort_key(rendered: Rendered) -> str:
    return rendered if isinstance(rendered, str) else "\n".join(rendered)


def dump_facts(data: bytes, name: str) -> str:
    """The facts of a file's bytes as text; `name` stands for its path (keep it relative, so
    the text does not depend on where the checkout is)."""
    decoded = decode_source(data)
    parsed = parse_source(decoded) if isinstance(decoded, str) else decoded
    if not isinstance(parsed, ParsedFile):
        return f"not parsed: {parsed.code} {parsed.message}\n"
    facts = analyze(parsed.module, name)
    renderer = _Renderer(parsed.module, parsed.module.code)
    # The module itself is the file's source: the golden file names it, nothing more.
    fields = [(f.name, getattr(facts, f.name)) for f in dataclasses.fields(facts)
              if f.name != "module" and not _at_default(f, getattr(facts, f.name))]
    rendered = renderer._block(type(facts).__name__, fields, 0)
    lines = [rendered] if isinstance(rendered, str) else rendered
    return "\n".join(line.rstrip() for line in lines) + "\n"
