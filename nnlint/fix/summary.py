"""What people read about fixes: the `[*]` marks and the summary lines, as ruff words them."""

from __future__ import annotations

import dataclasses
from typing import Optional, Sequence

from nnlint.diagnostic import Diagnostic
from nnlint.fix.loop import enabled


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 'es' if word.endswith('x') else 's'}"


def shown_fixes(diagnostics: Sequence[Diagnostic], unsafe: bool) -> list[Diagnostic]:
    """The findings as text output shows them: a fix that `--fix` would not apply is left
    out, so `[*]` marks exactly what `--fix` changes. Machine formats keep every fix."""
    return [d if d.fix is None or enabled(d.fix, unsafe) else dataclasses.replace(d, fix=None) for d in diagnostics]


def summary(diagnostics: Sequence[Diagnostic], unsafe: bool, fixed: Optional[int] = None) -> str:
    """`Found N findings.` (or `(M fixed, K remaining)` after `--fix`), then how many of
    the remaining findings `--fix` would fix and how many need `--unsafe-fixes`."""
    remaining = len(diagnostics)
    if fixed is None:
        lines = [f"Found {_plural(remaining, 'finding')}."]
    else:
        lines = [f"Found {_plural(remaining + fixed, 'finding')} ({fixed} fixed, {remaining} remaining)."]
    fixable = [d for d in diagnostics if enabled(d.fix, unsafe)]
    hidden = sum(1 for d in diagnostics if d.fix is not None and not enabled(d.fix, unsafe))
    hint = f"{_plural(hidden, 'hidden fix')} can be enabled with `--unsafe-fixes`" if hidden else ""
    if fixable:
        needs_unsafe = any(d.fix is not None and not d.fix.is_safe for d in fixable)
        option = "`--fix --unsafe-fixes`" if needs_unsafe else "`--fix`"
        lines.append(f"[*] {len(fixable)} fixable with {option}" + (f" ({hint})." if hint else "."))
    elif hint:
        lines.append(f"No fixes available ({hint}).")
    return "".join(line + "\n" for line in lines)


def would_fix(count: int) -> str:
    """The line `--diff` ends with."""
    return f"Would fix {_plural(count, 'finding')}.\n" if count else "No fixes to apply.\n"
