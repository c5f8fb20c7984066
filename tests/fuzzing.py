"""What the fuzz tests feed nnlint and what they require of it; shared by tests/test_fuzz.py
(a short run in the suite) and scripts/fuzz.py (a long run).

Inputs are the project's own fixtures (rule examples, examples/, ../shared/cases) mutated the
ways editors and copy-paste break code, and generated programs with torch imports in front.
The properties: no exception escapes the in-process pipeline, every position points inside
the file, the same bytes give the same findings twice, and applying every fix (unsafe ones
too) to a file that parses gives a file that still parses.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Callable, Optional

from nnlint.diagnostic import Diagnostic, Position
from nnlint.lint import lint_source
from nnlint.fix.loop import fix_source
from nnlint.parse import ParsedFile, decode_source, parse_source, source_lines
from nnlint.rules import all_rules

ROOT = Path(__file__).resolve().parents[1]
ALL_CODES = frozenset(rule.code for rule in all_rules())
FUZZ_PATH = "fuzz.py"
# Without the word torch a file is skipped unread; this header makes the analysis run.
TORCH_HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


def seed_sources() -> list[str]:
    """Every fixture the project has: rule examples, examples/, ../shared/cases."""
    sources = [snippet for rule in all_rules() for kind in ("valid", "invalid") for snippet in getattr(rule, kind)]
    for folder in (ROOT / "examples", ROOT.parent / "shared" / "cases"):
        if folder.is_dir():
            sources += [path.read_text(encoding="utf-8") for path in sorted(folder.rglob("*.py"))]
    return sources


# -- mutations: each takes the text and a random generator, returns bytes ------------------


def truncate_at_line(text: str, rng: random.Random) -> bytes:
    lines = source_lines(text, keepends=True)
    return "".join(lines[: rng.randrange(len(lines) + 1)]).encode()


def truncate_anywhere(text: str, rng: random.Random) -> bytes:
    data = text.encode()
    return data[: rng.randrange(len(data) + 1)]


def delete_indentation(text: str, rng: random.Random) -> bytes:
    lines = source_lines(text, keepends=True)
    if rng.random() < 0.3:
        return "".join(line.lstrip(" \t") for line in lines).encode()
    for _ in range(rng.randint(1, 3)):
        index = rng.randrange(len(lines)) if lines else 0
        if lines:
            lines[index] = lines[index].lstrip(" \t")
    return "".join(lines).encode()


def shuffle_lines(text: str, rng: random.Random) -> bytes:
    lines = source_lines(text, keepends=True)
    if rng.random() < 0.5:
        rng.shuffle(lines)
    elif len(lines) > 1:
        first, second = rng.sample(range(len(lines)), 2)
        lines[first], lines[second] = lines[second], lines[first]
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines).encode()


def flip_bytes(text: str, rng: random.Random) -> bytes:
    data = bytearray(text.encode())
    for _ in range(rng.randint(1, 8)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def insert_long_line(text: str, rng: random.Random) -> bytes:
    lines = source_lines(text, keepends=True)
    size = rng.choice([3_000, 20_000, 100_000])
    long_line = rng.choice([
        "x = " + "a + " * (size // 4) + "a\n",
        "s = '" + "z" * size + "'\n",
        "t = torch.cat([" + "y, " * (size // 3) + "y])\n",
        "# " + "é" * size + "\n",
    ])
    lines.insert(rng.randrange(len(lines) + 1), long_line)
    return "".join(lines).encode()


def nest_deeply(text: str, rng: random.Random) -> bytes:
    lines = source_lines(text, keepends=True)
    depth = rng.choice([50, 99, 101, 150, 199, 250, 1000, 5000])
    kind = rng.randrange(4)
    if kind == 0:
        inserted = "x = " + "(" * depth + "F.softmax(y)" + ")" * depth + "\n"
    elif kind == 1:
        inserted = "x = " + "[\n" * depth + "1" + "]\n" * depth
    elif kind == 2:
        inserted = "".join(" " * level + "if x:\n" for level in range(min(depth, 120))) + " " * min(depth, 120) + "pass\n"
    else:
        inserted = "y = z" + ".w" * depth + "\n"
    lines.insert(rng.randrange(len(lines) + 1), inserted)
    return "".join(lines).encode()


def change_line_endings(text: str, rng: random.Random) -> bytes:
    lines = source_lines(text)
    return "".join(line + rng.choice(["\n", "\r\n", "\r", "\x0c\n"]) for line in lines).encode()


MUTATIONS: list[Callable[[str, random.Random], bytes]] = [
    truncate_at_line, truncate_anywhere, delete_indentation, shuffle_lines, flip_bytes,
    insert_long_line, nest_deeply, change_line_endings,
]


def mutate(source: str, rng: random.Random, rounds: Optional[int] = None) -> bytes:
    """`source` after one to three random mutations (a mutated text is mutated further as
    text; invalid UTF-8 from a byte flip is kept as bytes)."""
    data = source.encode()
    for _ in range(rounds or rng.randint(1, 3)):
        text = data.decode("utf-8", "replace")
        data = rng.choice(MUTATIONS)(text, rng)
    return data


# -- the properties --------------------------------------------------------------------------


def _line_count(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig", "replace")
    return source_lines(text)


def _check_position(start: Position, end: Position, lines: list[str], what: str) -> None:
    count = len(lines)
    assert 1 <= start.line <= count + 1, f"{what}: line {start.line} outside 1..{count + 1}"
    assert 1 <= end.line <= count + 1, f"{what}: end line {end.line} outside 1..{count + 1}"
    assert (start.line, start.column) <= (end.line, end.column), f"{what}: ends before it starts"
    for position in (start, end):
        width = len(lines[position.line - 1]) if position.line <= count else 0
        assert 1 <= position.column <= width + 2, f"{what}: column {position.column} outside 1..{width + 2}"


def check_pipeline(data: bytes) -> list[Diagnostic]:
    """Lint `data` with every rule twice; fail unless both runs agree and every finding,
    and every related location in the same file, lies inside the file."""
    first = lint_source(data, FUZZ_PATH, ALL_CODES)
    second = lint_source(data, FUZZ_PATH, ALL_CODES)
    assert first == second, "the same input gave different findings"
    lines = _line_count(data)
    for diagnostic in first:
        what = f"{diagnostic.code} at {diagnostic.start.line}:{diagnostic.start.column}"
        _check_position(diagnostic.start, diagnostic.end, lines, what)
        for related in diagnostic.related:
            if related.path == FUZZ_PATH:
                _check_position(related.start, related.end, lines, f"{what}, related")
    _check_fixes(data, first)
    return first


def _check_fixes(data: bytes, found: list[Diagnostic]) -> None:
    """--fix (unsafe fixes too) never turns a file that parses into one that does not."""
    if not any(d.fix for d in found):
        return
    text = decode_source(data)
    parsed = parse_source(text) if isinstance(text, str) else text
    if not (isinstance(parsed, ParsedFile) and parsed.complete):
        return
    result = fix_source(data, lambda new: lint_source(new, FUZZ_PATH, ALL_CODES), unsafe=True, found=found)
    fixed = decode_source(result.fixed)
    assert isinstance(fixed, str), "the fixed file cannot be decoded"
    reparsed = parse_source(fixed)
    assert isinstance(reparsed, ParsedFile) and reparsed.complete, "--fix wrote a file that does not parse"
