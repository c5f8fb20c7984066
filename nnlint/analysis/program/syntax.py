"""Reading libcst trees cheaply: the walks and name helpers every fact builder shares.

libcst's `node.children` runs a whole visitor over the node to collect them, and its
generic visitor machinery costs more than everything nnlint's analysis does with the
nodes. Reading the dataclass fields directly, minus the ones that only hold whitespace,
brackets and punctuation, is an order of magnitude faster for the same answer.
"""

from __future__ import annotations

import bisect
import dataclasses
import operator
from functools import lru_cache
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence, Union

import libcst as cst

from nnlint.analysis.program import walk_count
from nnlint.analysis.program.literals import literal_value

# Fields that hold formatting, punctuation or operator tokens: never code worth walking.
_FORMATTING = frozenset({
    "lpar", "rpar", "lbracket", "rbracket", "lbrace", "rbrace", "comma", "semicolon", "colon",
    "equal", "newline", "header", "footer", "leading_lines", "lines_after_decorators", "operator",
    "dot", "asynchronous", "star", "first_line", "empty_lines", "indent", "encoding",
})


@lru_cache(maxsize=None)
def _code_fields(node_type: type) -> tuple[str, ...]:
    # A field declared to hold a string or a flag (a name's or a number's text) never holds
    # a node: leaves then cost no attribute read at all.
    return tuple(
        field.name
        for field in dataclasses.fields(node_type)
        if field.name not in _FORMATTING and not field.name.startswith("whitespace")
        and field.type is not str and field.type is not bool
    )


# Per node class: one attrgetter reading all its code fields at once (or None when it has
# none), and whether it reads a single one (then it returns the value, not a tuple). One C
# call instead of a getattr per field: the walks read every node of every file (the index
# through _reversed_field_reader).
_FIELD_READERS: dict[type, tuple[Optional[Callable[[cst.CSTNode], Any]], bool]] = {}


def _field_reader(node_type: type) -> tuple[Optional[Callable[[cst.CSTNode], Any]], bool]:
    reader = _FIELD_READERS.get(node_type)
    if reader is None:
        fields = _code_fields(node_type)
        reader = (operator.attrgetter(*fields) if fields else None, len(fields) == 1)
        _FIELD_READERS[node_type] = reader
    return reader


@lru_cache(maxsize=None)
def _reversed_field_reader(node_type: type) -> tuple[Optional[Callable[[cst.CSTNode], Any]], bool]:
    """`_field_reader` reading the fields last first, for walks that push children on a stack."""
    fields = _code_fields(node_type)
    return (operator.attrgetter(*reversed(fields)) if fields else None, len(fields) == 1)


def child_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The node's children that hold code (expressions, statements, arguments...), in order."""
    reader = _FIELD_READERS.get(type(node))
    read, single = _field_reader(type(node)) if reader is None else reader
    if read is None:
        return iter(())
    if single:
        # Most nodes with children have one code field: no list to build.
        value = read(node)
        kind = type(value)
        if kind is tuple or kind is list:
            return iter(value)
        return iter(()) if value is None or kind in _LEAF_TYPES else iter((value,))
    found: list[cst.CSTNode] = []
    for value in read(node):
        kind = type(value)
        # Type checks by identity: isinstance against libcst's abstract base classes is the
        # slow part of a walk. A sequence field of a node holds only nodes.
        if kind is tuple or kind is list:
            found.extend(value)
        elif value is not None and kind not in _LEAF_TYPES:
            found.append(value)
    return iter(found)


_LEAF_TYPES = frozenset({str, int, float, bool, bytes, type(cst.MaybeSentinel.DEFAULT)})


def descendants(node: cst.CSTNode, stop: tuple[type, ...] = (cst.FunctionDef, cst.ClassDef)) -> Iterator[cst.CSTNode]:
    """The node and every node under it, in textual order; a node of a `stop` type is
    yielded but not entered."""
    found = uncounted_descendants(node, stop)
    counter = walk_count.COUNTER
    return found if counter is None else counter.counted(found)


def uncounted_descendants(node: cst.CSTNode, stop: tuple[type, ...] = (cst.FunctionDef, cst.ClassDef)) -> Iterator[cst.CSTNode]:
    """`descendants`, never counted by nnlint.analysis.program.walk_count."""
    stop_types = _with_subclasses(stop)
    if _indexed:
        tree = _indexed[0].tree()
        start = tree.positions.get(id(node))
        if start is not None and tree.order[start] is node:
            order = tree.order
            found: list[cst.CSTNode] = []
            for low, high in tree.segments(start, stop_types):
                found += order[low:high]
            return iter(found)
    return _stack_walk(node, stop_types)


def descendants_of_types(node: cst.CSTNode, types: tuple[type, ...],
                         stop: tuple[type, ...] = (cst.FunctionDef, cst.ClassDef)) -> list[cst.CSTNode]:
    """The nodes of `descendants(node, stop)` that are instances of `types`, in order."""
    sets = _TYPE_SETS.get((types, stop))
    if sets is None:
        sets = _TYPE_SETS[(types, stop)] = (_with_subclasses(types), _with_subclasses(stop))
    found = _indexed_of_types(node, *sets)
    if found is None:
        return [current for current in descendants(node, stop) if type(current) in sets[0]]
    return found


# (types, stop) -> the type sets they stand for: one lookup instead of two lru_cache calls.
_TYPE_SETS: dict[tuple[tuple[type, ...], tuple[type, ...]], tuple[frozenset[type], frozenset[type]]] = {}


def _indexed_of_types(node: cst.CSTNode, wanted: frozenset[type],
                      stop_types: frozenset[type]) -> Optional[list[cst.CSTNode]]:
    """`descendants_of_types` from the index; None for a node the index does not hold."""
    if not _indexed:
        return None
    tree = _indexed[0].tree()
    start = tree.positions.get(id(node))
    if start is None or tree.order[start] is not node:
        return None
    # Only the wanted nodes' positions are looked at, not every node of the walk.
    order, positions = tree.order, tree.type_positions(wanted)
    end = tree.ends[start]
    first = bisect.bisect_left(positions, start)
    if walk_count.COUNTER is None:
        if first == len(positions) or positions[first] >= end:
            return []  # none under the node, whatever the walk skips
        stops = tree.type_positions(stop_types) if stop_types else ()
        at = bisect.bisect_left(stops, start)
        if at == len(stops) or stops[at] >= end:
            # No stop node under it (nor the node itself): the walk is the whole subtree.
            return list(map(order.__getitem__, positions[first:bisect.bisect_left(positions, end, first)]))
    found: list[cst.CSTNode] = []
    segments = tree.segments(start, stop_types)
    for low, high in segments:
        first = bisect.bisect_left(positions, low)
        last = bisect.bisect_left(positions, high, first)
        found += map(order.__getitem__, positions[first:last])
    if walk_count.COUNTER is not None:
        # Counted as the walk it stands for.
        walk_count.COUNTER.nodes[walk_count.COUNTER.current_phase()] += sum(high - low for low, high in segments)
    return found


def _stack_walk(node: cst.CSTNode, stop_types: frozenset[type]) -> Iterator[cst.CSTNode]:
    """The walk itself, for a node outside the indexed module (another file's, or built
    by the analysis)."""
    leaf_types = _LEAF_TYPES
    readers = _FIELD_READERS
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        kind = type(current)
        if kind in stop_types:
            continue
        # child_nodes inlined: this loop runs for every node of every walk.
        reader = readers.get(kind)
        read, single = _field_reader(kind) if reader is None else reader
        if read is None:
            continue
        children: list[cst.CSTNode] = []
        for value in (read(current),) if single else read(current):
            value_kind = type(value)
            if value_kind is tuple or value_kind is list:
                children.extend(value)
            elif value is not None and value_kind not in leaf_types:
                children.append(value)
        children.reverse()
        stack.extend(children)


class PreorderTree:
    """One module's nodes in the order of `descendants(module, stop=())`, with where each
    node's subtree ends in that order. libcst trees are immutable, so a walk from any node of
    the module is a run of this array, minus the subtrees of the stop nodes it skips: slices
    instead of a walk. Holding `order` keeps every node alive, so no id in `positions` can
    be reused by another object while the tree is remembered."""

    def __init__(self, module: cst.Module) -> None:
        order: list[cst.CSTNode] = []
        ends: list[int] = []
        # Per exact type: its reader of code fields (last field first), whether it reads one
        # field, and where the type's nodes are in `order`, ascending. One lookup per node
        # for all three. The list methods are called on the lists themselves, never through
        # bound methods kept in locals: CPython 3.11 specializes `order.append(x)`.
        by_kind: dict[type, tuple[Optional[Callable[[cst.CSTNode], Any]], bool, list[int]]] = {}
        leaf_types = _LEAF_TYPES
        # Only nodes with children are found by id: a walk from a leaf is the leaf alone,
        # whichever way it is walked, and a third of the nodes are leaves.
        positions: dict[int, int] = {}
        # A node's index is pushed below its children: popping that index means its subtree
        # has been numbered. Children are pushed last first, so they pop in order.
        stack: list[Union[cst.CSTNode, int]] = [module]
        while stack:
            current = stack.pop()
            kind = type(current)
            if kind is int:
                ends[current] = len(order)
                continue
            index = len(order)
            order.append(current)
            ends.append(index + 1)
            found = by_kind.get(kind)
            if found is None:
                found = by_kind[kind] = (*_reversed_field_reader(kind), [])
            read, single, indexes = found
            indexes.append(index)
            if read is None:
                continue
            positions[id(current)] = index
            stack.append(index)
            if single:
                value = read(current)
                value_kind = type(value)
                if value_kind is tuple or value_kind is list:
                    stack.extend(reversed(value))
                elif value is not None and value_kind not in leaf_types:
                    stack.append(value)
            else:
                for value in read(current):
                    value_kind = type(value)
                    if value_kind is tuple or value_kind is list:
                        stack.extend(reversed(value))
                    elif value is not None and value_kind not in leaf_types:
                        stack.append(value)
        indexes_by_type = {kind: found[2] for kind, found in by_kind.items()}
        self.module = module
        self.order = order
        self.ends = ends
        self.positions = positions
        self._indexes_by_type = indexes_by_type
        self._by_type: Optional[NodesByType] = None
        self._every_position: Optional[dict[int, int]] = None
        self._type_positions: dict[frozenset[type], list[int]] = {}

    @property
    def by_type(self) -> "NodesByType":
        """Every node by its exact type, each list in `order`."""
        if self._by_type is None:
            self._by_type = NodesByType(self.order, self._indexes_by_type)
        return self._by_type

    def type_positions(self, types: frozenset[type]) -> list[int]:
        """Where the nodes of these exact types are in `order`, ascending."""
        found = self._type_positions.get(types)
        if found is None:
            # Each type's positions ascend already: the sort merges them.
            found = sorted([at for kind in types for at in self._indexes_by_type.get(kind, ())])
            self._type_positions[types] = found
        return found

    def ancestors(self, node: cst.CSTNode) -> Optional[list[cst.CSTNode]]:
        """The nodes from the module down to `node` (both included); None for a node that is
        not one of the module's walked nodes."""
        target = self.positions.get(id(node))
        if target is None:
            if self._every_position is None:
                self._every_position = dict(zip(map(id, self.order), range(len(self.order))))
            target = self._every_position.get(id(node))
        if target is None or self.order[target] is not node:
            return None
        order, ends = self.order, self.ends
        at = 0
        chain = [order[0]]
        while at != target:
            # The first child starts right after its parent; each next one where the one
            # before it ends.
            child = at + 1
            while ends[child] <= target:
                child = ends[child]
            at = child
            chain.append(order[at])
        return chain

    def segments(self, start: int, stop_types: frozenset[type]) -> list[tuple[int, int]]:
        """The runs of `order` that the walk from `order[start]` yields, in order."""
        end = self.ends[start]
        if type(self.order[start]) in stop_types:
            return [(start, start + 1)]
        stops = self.type_positions(stop_types) if stop_types else ()
        found: list[tuple[int, int]] = []
        low = start
        at = bisect.bisect_left(stops, low)
        while at < len(stops) and stops[at] < end:
            stop = stops[at]
            found.append((low, stop + 1))
            low = self.ends[stop]
            at = bisect.bisect_left(stops, low, at + 1)
        found.append((low, end))
        return found


class NodesByType(Mapping[type, list[cst.CSTNode]]):
    """A module's nodes by exact type, each list in the walks' order: a read-only mapping that
    makes a type's list when first asked for it. A file's builders ask for a few of the
    hundred or so types it has; making every list cost a tenth of a second on timm."""

    def __init__(self, order: list[cst.CSTNode], indexes_by_type: dict[type, list[int]]) -> None:
        self._order = order
        self._indexes_by_type = indexes_by_type
        self._lists: dict[type, list[cst.CSTNode]] = {}

    def __getitem__(self, kind: type) -> list[cst.CSTNode]:
        found = self.get(kind)
        if found is None:
            raise KeyError(kind)
        return found

    def get(self, kind: type, default: Any = None) -> Any:
        found = self._lists.get(kind)
        if found is None:
            indexes = self._indexes_by_type.get(kind)
            if indexes is None:
                return default
            found = self._lists[kind] = list(map(self._order.__getitem__, indexes))
        return found

    def __contains__(self, kind: object) -> bool:
        return kind in self._indexes_by_type

    def __iter__(self) -> Iterator[type]:
        return iter(self._indexes_by_type)

    def __len__(self) -> int:
        return len(self._indexes_by_type)


class WalkIndex:
    """One module's `PreorderTree`, built when first needed: the walks use it while the
    module is registered (`index_walks`), and whoever holds this object may use it after
    (lint places the reported nodes with it)."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self._tree: Optional[PreorderTree] = None

    def tree(self) -> PreorderTree:
        if self._tree is None:
            self._tree = PreorderTree(self.module)
            if walk_count.COUNTER is not None:
                # Building the index is one whole walk, charged to the phase that first needed it.
                walk_count.COUNTER.nodes[walk_count.COUNTER.current_phase()] += len(self._tree.order)
        return self._tree


# The index of the module whose walks are served from it, until `forget_walks`.
_indexed: list[WalkIndex] = []


def index_walks(module: cst.Module) -> WalkIndex:
    """Serve the walks over `module`'s nodes from an index of it (built at the first walk)
    until `forget_walks`."""
    if not _indexed or _indexed[0].module is not module:
        _indexed[:] = [WalkIndex(module)]
    return _indexed[0]


def _indexed_tree() -> Optional[PreorderTree]:
    return _indexed[0].tree() if _indexed else None


@lru_cache(maxsize=None)
def _with_subclasses(types: tuple[type, ...]) -> frozenset[type]:
    """`types` and every subclass of them: membership of `type(node)` in this set answers
    isinstance without the cost of an isinstance call against libcst's ABC-based classes."""
    found: set[type] = set()
    pending = list(types)
    while pending:
        kind = pending.pop()
        if kind not in found:
            found.add(kind)
            pending.extend(kind.__subclasses__())
    return frozenset(found)


_CALL_STOPS = (cst.Lambda, cst.FunctionDef, cst.ClassDef)
_CALL_TYPE = (cst.Call,)
# Several fact builders ask for the calls of the same statements; the walk is done once per
# node and per file. Keyed by id() (libcst nodes are neither hashable by value nor weakly
# referable); the node is kept in the entry so that its id cannot be reused while cached.
_calls_by_node: dict[int, tuple[cst.CSTNode, tuple[cst.Call, ...]]] = {}


def iter_calls(node: cst.CSTNode) -> Iterator[cst.Call]:
    """Every call inside an expression or simple statement, outermost first. A lambda's
    body runs later, if at all, so its calls are not the statement's."""
    entry = _calls_by_node.get(id(node))
    if entry is None or entry[0] is not node:
        entry = (node, tuple(descendants_of_types(node, _CALL_TYPE, stop=_CALL_STOPS)))
        _calls_by_node[id(node)] = entry
    return iter(entry[1])


def nodes_by_type(module: cst.Module) -> NodesByType:
    """Every node of the module (lambdas, functions and classes entered) by its exact type,
    each list in textual order; walked once per file (the walks' index of the module)."""
    return index_walks(module).tree().by_type


def forget_walks() -> None:
    """Drop what the walks remembered about the file just analyzed."""
    _calls_by_node.clear()
    _indexed.clear()


def names_in(node: cst.CSTNode) -> tuple[str, ...]:
    """The distinct names an expression mentions, in order of first appearance."""
    return tuple(dict.fromkeys(n.value for n in descendants_of_types(node, _NAME_TYPE)))


_NAME_TYPE = (cst.Name,)


# ------------------------------------------------------------------ dotted names


def dotted_name(node: Optional[cst.CSTNode], through_subscripts: bool = False) -> Optional[str]:
    """`self.model.module` for a chain of names; None for anything else. With
    `through_subscripts`, an element stands for its container: `opts[0].step` -> `opts.step`."""
    kind = type(node)
    # A name and a name's attribute are most of what is asked about: no list to build.
    if kind is cst.Name:
        return node.value
    if kind is cst.Attribute and type(node.value) is cst.Name:
        return f"{node.value.value}.{node.attr.value}"
    parts: list[str] = []
    while True:
        kind = type(node)
        if kind is cst.Attribute:
            parts.append(node.attr.value)
            node = node.value
        elif through_subscripts and kind is cst.Subscript:
            node = node.value
        elif kind is cst.Name:
            parts.append(node.value)
            return ".".join(reversed(parts))
        else:
            return None


def last_part(name: str) -> str:
    """`opt` for `self.opt`."""
    return name.rsplit(".", 1)[-1]


def first_part(name: str) -> str:
    """`self` for `self.opt`."""
    return name.split(".", 1)[0]


# ------------------------------------------------------------------ calls


def argument(call: cst.Call, position: int, keyword: str) -> Optional[cst.BaseExpression]:
    """The argument passed at `position` or as `keyword=`; None when absent or hidden
    behind a `*args`."""
    positional = 0
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value == keyword:
                return arg.value
        elif arg.star:
            return None
        else:
            if positional == position:
                return arg.value
            positional += 1
    return None


def string_value(node: cst.SimpleString) -> Union[str, bytes]:
    """`node.evaluated_value`, most strings without compiling them (see literal_value;
    not evaluated_value, whose ast.literal_eval leaves a reference cycle)."""
    return literal_value(node)


def source_code(node: Optional[cst.CSTNode]) -> str:
    """The node as written ("" for None)."""
    if node is None:
        return ""
    return cst.Module(body=[]).code_for_node(node)


# ------------------------------------------------------------------ statements


def statement_bodies(statement: cst.CSTNode, every_block: bool = False) -> list[Sequence[cst.CSTNode]]:
    """The statement lists nested in a compound statement (body, elif/else, handlers,
    finally), in order. Match cases and `except*` handlers are entered only with
    `every_block` (the path facts were built and checked without them)."""
    # Type sets rather than isinstance: every builder opens every block through here.
    nested = _EVERY_NESTED_TYPES if every_block else _COMMON_NESTED_TYPES
    bodies: list[Sequence[cst.CSTNode]] = []
    for child in child_nodes(statement):
        kind = type(child)
        if kind in _SUITE_TYPES:
            bodies.append(child.body)
        elif kind in nested:
            bodies.extend(_uncounted_bodies(child, every_block))
    if walk_count.COUNTER is not None:
        walk_count.COUNTER.visited_statements(sum(len(body) for body in bodies))
    return bodies


def _uncounted_bodies(statement: cst.CSTNode, every_block: bool) -> list[Sequence[cst.CSTNode]]:
    counter, walk_count.COUNTER = walk_count.COUNTER, None
    try:
        return statement_bodies(statement, every_block)
    finally:
        walk_count.COUNTER = counter


_COMMON_NESTED = (cst.Else, cst.Finally, cst.ExceptHandler, cst.If)
_EVERY_NESTED = _COMMON_NESTED + (cst.ExceptStarHandler, cst.MatchCase)
_COMMON_NESTED_TYPES = _with_subclasses(_COMMON_NESTED)
_EVERY_NESTED_TYPES = _with_subclasses(_EVERY_NESTED)
_SUITE_TYPES = _with_subclasses((cst.BaseSuite,))
_DEFINITION_TYPES = _with_subclasses((cst.FunctionDef, cst.ClassDef))
_LINE_TYPES = _with_subclasses((cst.SimpleStatementLine,))
_COMPOUND_TYPES = _with_subclasses((cst.BaseCompoundStatement,))


def header_expressions(statement: cst.CSTNode) -> list[cst.CSTNode]:
    """The expressions a compound statement evaluates itself (tests, iterables, with items)."""
    # Exact types: none of these has a subclass, and isinstance against libcst's ABCs is slow.
    kind = type(statement)
    if kind is cst.If or kind is cst.While:
        return [statement.test]
    if kind is cst.For:
        return [statement.iter]
    if kind is cst.With:
        return [item.item for item in statement.items]
    return []


def is_main_guard(test: cst.BaseExpression) -> bool:
    """The test of `if __name__ == "__main__":`."""
    return (isinstance(test, cst.Comparison) and isinstance(test.left, cst.Name)
            and test.left.value == "__name__")


def is_stub(function: cst.FunctionDef) -> bool:
    """A function with no behaviour of its own: its body is only a docstring, `pass`, `...`
    or `raise NotImplementedError` -- an abstract method that subclasses override, or a
    placeholder (a test fixture's `forward` that is never run)."""
    body = function.body
    if not isinstance(body, cst.IndentedBlock):
        body_lines = [body]
    else:
        body_lines = list(body.body)
    for line in body_lines:
        if not isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            return False
        for small in line.body:
            if isinstance(small, cst.Pass):
                continue
            if isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString,
                                                                       cst.Ellipsis)):
                continue
            if isinstance(small, cst.Raise) and small.exc is not None:
                raised = small.exc.func if isinstance(small.exc, cst.Call) else small.exc
                if isinstance(raised, cst.Name) and raised.value == "NotImplementedError":
                    continue
            return False
    return True


def own_statements(body: Sequence[cst.CSTNode], skip_main: bool = False) -> Iterator[cst.CSTNode]:
    """The small statements and header expressions a body runs itself, in order: nested
    functions and classes are not entered, nor (with `skip_main`) a top-level
    `if __name__ == "__main__":` block."""
    for statement in body:
        kind = type(statement)
        if kind in _DEFINITION_TYPES:
            continue
        if kind in _LINE_TYPES:
            yield from statement.body
            continue
        if skip_main and isinstance(statement, cst.If) and is_main_guard(statement.test):
            continue
        yield from header_expressions(statement)
        for inner in statement_bodies(statement):
            yield from own_statements(inner)


def all_statements(body: Sequence[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    """Every statement at any depth, nested functions and classes included, with the small
    statements of each line and the header expressions of each compound statement."""
    pending = [body]
    while pending:
        for statement in pending.pop():
            yield statement
            kind = type(statement)
            if kind in _LINE_TYPES:
                yield from statement.body
            elif kind in _DEFINITION_TYPES:
                pending.append(statement.body.body)
            elif kind in _COMPOUND_TYPES:
                pending.extend(statement_bodies(statement))
                for expression in header_expressions(statement):
                    yield expression


def receiver_name(node: Optional[cst.CSTNode]) -> str:
    """`self.opt` for `self.opt`, `opts` for `opts[0]`: the dotted name a receiver is known
    by, an element standing for its container; "" when it has none."""
    return dotted_name(node, through_subscripts=True) or ""


def number_value(node: Optional[cst.BaseExpression], constants: dict[str, float]) -> Optional[float]:
    """The value of a numeric literal expression (`1e-3`, `0.1 / 8`, `10 ** -4`, a constant)."""
    if isinstance(node, (cst.Integer, cst.Float)):
        try:
            return float(literal_value(node))
        except (ValueError, OverflowError):
            return None
    if isinstance(node, cst.Name):
        return constants.get(node.value)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        value = number_value(node.expression, constants)
        return None if value is None else -value
    if isinstance(node, cst.BinaryOperation):
        left, right = number_value(node.left, constants), number_value(node.right, constants)
        if left is None or right is None:
            return None
        try:
            if isinstance(node.operator, cst.Multiply):
                return left * right
            if isinstance(node.operator, cst.Divide) and right:
                return left / right
            if isinstance(node.operator, cst.Power) and abs(right) < 64:
                return float(left ** right)
            if isinstance(node.operator, cst.Add):
                return left + right
            if isinstance(node.operator, cst.Subtract):
                return left - right
        except (OverflowError, ZeroDivisionError, TypeError):
            return None
