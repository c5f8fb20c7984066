"""What a rule hands to the reporter to propose a fix: syntax nodes and their replacements.

Rules think in libcst nodes; the reporter turns each (node, replacement) pair into a
minimal text edit (`nnlint.fix.edits`), so findings carry only plain data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import libcst as cst

from nnlint.diagnostic import SAFE, UNSAFE

# A replacement is a new node (rendered as the file renders code) or source text.
Replacement = Union[cst.CSTNode, str]

__all__ = ["SAFE", "UNSAFE", "Replacement", "SyntaxFix"]


@dataclass(frozen=True, eq=False)
class SyntaxFix:
    """Replace each node by its replacement; all of them together fix the finding."""

    message: str
    replacements: tuple[tuple[cst.CSTNode, Replacement], ...]
    applicability: str = UNSAFE

    @classmethod
    def replace(cls, node: cst.CSTNode, replacement: Replacement, message: str,
                applicability: str = UNSAFE) -> "SyntaxFix":
        """The common case: one node replaced."""
        return cls(message, ((node, replacement),), applicability)
