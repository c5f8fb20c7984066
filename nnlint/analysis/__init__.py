"""Facts about one file, computed once and read by every rule."""

from nnlint.analysis.facts import FileFacts
from nnlint.analysis.interpreter import analyze

__all__ = ["FileFacts", "analyze"]
