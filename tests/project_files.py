"""Writing a throw-away project for the tests that lint several files together.

The `empty_project` fixture (tests/conftest.py) makes the project; `write` fills it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path


def write(root: Path, name: str, text: str) -> Path:
    """Write `text` (dedented) to `root / name`, making its folders; return the path."""
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path
