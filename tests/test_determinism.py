"""The same files give the same report, byte for byte, whatever Python's hash seed is:
sets iterate in a different order under each seed, and a report that changes between two
runs of a commit hook would look like a flaky linter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT.parent / "shared" / "cases"


def _report(seed: str) -> str:
    targets = [str(ROOT / "examples")] + ([str(CASES)] if CASES.is_dir() else [])
    result = subprocess.run(
        [sys.executable, "-m", "nnlint", "check", "--isolated", "--no-cache", "--exit-zero", "--output-format", "json", *targets],
        capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed}, cwd=ROOT, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_report_does_not_depend_on_the_hash_seed():
    first = _report("1")
    assert '"code"' in first  # there is something to compare
    assert _report("2") == first
    assert _report("12345") == first
