"""In the child process: the line of the user's file where each module object was built.

A shape mismatch is reported at the construction of the layer it happens in
(`self.fc1 = nn.Linear(256, 120)`), which only the constructor call knows: while the child
runs, `nn.Module.__init__` notes, for every module, the innermost frame of the probed file
that is not the module's own `__init__` chain. A layer built inside an `nn.Sequential(...)`
spanning several lines gets its own line, and one built by a helper function gets the
helper's line.
"""

from __future__ import annotations

import sys
import weakref
from typing import Any, Optional

from torch import nn

_SITES: "weakref.WeakKeyDictionary[nn.Module, int]" = weakref.WeakKeyDictionary()
_installed: list[str] = []


def record_construction_sites(path: str) -> None:
    """From now on, remember the line of `path` that builds each module (once per process)."""
    if _installed:
        return
    _installed.append(path)
    original = nn.Module.__init__

    def __init__(self: nn.Module, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        frame = sys._getframe(1)
        while frame is not None:
            # Skip the module's own constructors (Linear.__init__, a user's Block.__init__).
            if frame.f_code.co_filename == path and frame.f_locals.get("self") is not self:
                try:
                    _SITES[self] = frame.f_lineno
                except TypeError:  # a module that cannot be weakly referenced: no site
                    pass
                return
            frame = frame.f_back

    nn.Module.__init__ = __init__  # type: ignore[method-assign]


def construction_line(module: nn.Module) -> Optional[int]:
    """The line of the probed file that built `module`, if it was built there."""
    try:
        return _SITES.get(module)
    except TypeError:
        return None
