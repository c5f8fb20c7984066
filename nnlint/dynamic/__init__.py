"""Dynamic mode: build each model on synthetic data in a child process and attach to every
static finding what running it showed.

The parent side (this package minus `child*`, `probes*`, `fitting`, `construction`,
`loader`) never imports torch; only the child process does.
"""

from __future__ import annotations

import importlib.util

# Named by package, not by nnlint's extra: nnlint is not on PyPI, so `nnlint[dynamic]` would not resolve.
INSTALL_HINT = "dynamic mode needs torch (nnlint's `dynamic` extra): pip install torch, or the build for your machine from pytorch.org"


def torch_available() -> bool:
    """Whether torch can be imported, found without importing it."""
    return importlib.util.find_spec("torch") is not None
