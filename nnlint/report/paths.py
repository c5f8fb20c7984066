"""How report formats for CI services name a file: relative to the project directory."""

from __future__ import annotations

import os
from pathlib import Path


def project_path(path: str, cwd: Path) -> str:
    """`path` relative to the project directory (the cwd, where CI jobs run), with `/`;
    CI services link a finding to the file only by this path. A file outside it stays absolute."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, cwd)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return Path(absolute).as_posix()
    return Path(relative).as_posix()
