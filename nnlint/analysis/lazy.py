"""Facts computed on first read: the `FileFacts` fields a fact builder fills.

Each such field is a `LazyFact` naming its *family* (the builder that fills it, see
`nnlint.analysis.FAMILIES`). Reading the field runs the family's builder once and memoises
what it produced on the FileFacts; a builder that reads another family's field pulls that
family in the same way, so dependencies need no bookkeeping. A run whose rules never read a
family never pays for it.

`FileFacts` is a dataclass and these are its fields too (descriptor-typed fields):
`dataclasses.fields(facts)` lists them in their usual order, and their dataclass default is
`NOT_COMPUTED`, which assigning leaves the field to be computed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Generic, Optional, TypeVar

if TYPE_CHECKING:
    from nnlint.analysis.facts import FileFacts

T = TypeVar("T")


class _NotComputed:
    def __repr__(self) -> str:
        return "NOT_COMPUTED"


# The class-level default of a lazy field: the constructor receiving it stores nothing.
NOT_COMPUTED: Any = _NotComputed()


class LazyFact(Generic[T]):
    """A FileFacts field that the builder of `family` fills on first read. `default` makes
    the value the field holds while its builder runs (a builder appends to its own list) and
    keeps when the builder gives up (code nested too deeply)."""

    def __init__(self, family: str, default: Callable[[], T] = lambda: None) -> None:  # type: ignore[assignment,return-value]
        self.family = family
        self.default = default
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, facts: Optional["FileFacts"], owner: Optional[type] = None) -> T:
        if facts is None:
            return NOT_COMPUTED
        values = facts.__dict__
        if self.name not in values:
            facts.compute(self.family)
        return values[self.name]

    def __set__(self, facts: "FileFacts", value: T) -> None:
        if value is not NOT_COMPUTED:
            facts.__dict__[self.name] = value


@lru_cache(maxsize=None)
def lazy_fields(cls: type) -> dict[str, LazyFact[Any]]:
    """The lazy fields of a FileFacts class, by name."""
    return {name: value for klass in reversed(cls.__mro__) for name, value in vars(klass).items()
            if isinstance(value, LazyFact)}
