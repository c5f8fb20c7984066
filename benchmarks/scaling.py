"""How nnlint's cost grows with the size of one file: time, CPU, peak memory and work.

    python benchmarks/scaling.py [--copies 4,8,16,32,64,140] [--calls]

The file is generated: the 300-line training script of benchmarks/fixtures repeated with
every class and function renamed per copy, so a file of 140 copies (1.7 MB) is one big,
realistic module of 2,100 definitions, as generated model zoos and notebooks exported whole
are. Each size is checked in a fresh process (`nnlint check --isolated --no-cache`), and each
row is printed as a ratio against the smallest size measured in the same run: on a linear
implementation the time, CPU and work ratios follow the size ratio, whatever the machine
and its load. `--calls` also counts the Python function calls of the check (the work; slow),
which, unlike time, does not depend on what else the machine is doing.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "train_300_lines.py"
_DEFINITION = re.compile(r"^(?:class|def) (\w+)", re.MULTILINE)
_FIRST_DEFINITION = "class TrainConfig"


def generated_source(copies: int) -> str:
    """The fixture's imports, then `copies` renamed copies of its definitions and main block."""
    text = FIXTURE.read_text(encoding="utf-8")
    split = text.index(_FIRST_DEFINITION)
    imports, body = text[:split], text[split:]
    names = _DEFINITION.findall(body)
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    parts = [imports]
    for index in range(copies):
        copy = pattern.sub(lambda match: f"{match.group(1)}_{index}", body)
        parts.append(copy.replace('if __name__ == "__main__":', f'if __name__ == "__main_{index}__":'))
    return "".join(parts)


def count_calls(path: Path) -> int:
    """Python function calls made by linting `path` in this process (nnlint's work)."""
    from nnlint.lint import lint_source
    from nnlint.rules import all_rules

    selected = frozenset(rule.code for rule in all_rules() if not rule.dynamic_only)
    data = path.read_bytes()
    calls = 0

    def profile(frame, event, arg):  # noqa: ARG001 - the profiler's signature
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(profile)
    try:
        lint_source(data, path.name, selected)
    finally:
        sys.setprofile(None)
    return calls


_MEASURE = """
import resource, sys, time
from nnlint.lint import lint_source
from nnlint.rules import all_rules
selected = frozenset(rule.code for rule in all_rules() if not rule.dynamic_only)
data = open(sys.argv[1], "rb").read()
wall, cpu = time.perf_counter(), time.process_time()
lint_source(data, sys.argv[1], selected)
print(time.perf_counter() - wall, time.process_time() - cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def measure(path: Path) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (kB) of checking `path` in a fresh process."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, os.fspath(path)], capture_output=True,
                          text=True, check=True)
    wall, cpu, rss = done.stdout.split()
    return float(wall), float(cpu), int(rss)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", default="4,8,16,32,64,140",
                        help="sizes to measure, in copies of the 300-line fixture (the first is the baseline)")
    parser.add_argument("--calls", action="store_true", help="also count Python calls (slow)")
    options = parser.parse_args(argv)
    sizes = [int(item) for item in options.copies.split(",")]
    print(f"{'copies':>6} {'MB':>6} {'wall s':>7} {'cpu s':>7} {'RSS MB':>7}   ratios to the first row: "
          f"{'size':>5} {'wall':>5} {'cpu':>5}" + (f" {'calls':>6}" if options.calls else ""))
    baseline = None
    with tempfile.TemporaryDirectory() as folder:
        for copies in sizes:
            path = Path(folder) / f"big_{copies}.py"
            path.write_text(generated_source(copies), encoding="utf-8")
            size = path.stat().st_size
            wall, cpu, rss = measure(path)
            calls = count_calls(path) if options.calls else 0
            if baseline is None:
                baseline = (size, wall, cpu, calls)
            row = (f"{copies:>6} {size / 1e6:>6.2f} {wall:>7.2f} {cpu:>7.2f} {rss / 1024:>7.0f}   "
                   f"{'':>24}{size / baseline[0]:>5.1f} {wall / baseline[1]:>5.1f} {cpu / baseline[2]:>5.1f}")
            if options.calls:
                row += f" {calls / baseline[3]:>6.1f}"
            print(row, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
