"""The long fuzz run: the properties of tests/test_fuzz.py for as long as you like.

    python scripts/fuzz.py --minutes 30 [--seed N] [--out DIR]

Alternates mutated fixtures (tests/fuzzing.py) and hypothesmith-generated programs with torch
imports in front. Each input is linted in-process; a property failure or an exception is a
*failure*, saved to DIR (default /tmp/nnlint-fuzz) as the input bytes plus a .txt with the
error. A native crash kills this process: rerun with the same --seed and look at the last
input written to DIR/current.py. Prints the counts at the end; exits 1 if anything failed.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import fuzzing  # noqa: E402


def generated_programs(seed: int):
    """hypothesmith programs, one at a time, reproducible from `seed`."""
    import hypothesmith
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    found: list[str] = []

    @settings(max_examples=50, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node()))
    def collect(program: str) -> None:
        found.append(program)

    random.seed(seed)
    while True:
        found.clear()
        collect()
        yield from found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="/tmp/nnlint-fuzz")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    rng = random.Random(args.seed)
    seeds = fuzzing.seed_sources()
    programs = generated_programs(args.seed)
    deadline = time.monotonic() + args.minutes * 60
    tried = {"mutated fixtures": 0, "generated programs": 0}
    failures: dict[str, str] = {}
    while time.monotonic() < deadline:
        if rng.random() < 0.7:
            kind, data = "mutated fixtures", fuzzing.mutate(rng.choice(seeds), rng)
        else:
            program = next(programs)
            header = rng.choice([fuzzing.TORCH_HEADER, "import torch\n", ""])
            kind, data = "generated programs", (header + program).encode("utf-8", "surrogatepass")
            if rng.random() < 0.3:
                data = fuzzing.mutate(data.decode("utf-8", "replace"), rng)
        tried[kind] += 1
        (out / "current.py").write_bytes(data)
        try:
            fuzzing.check_pipeline(data)
        except Exception as error:  # noqa: BLE001 - what this script exists to collect
            digest = hashlib.sha1(data).hexdigest()[:12]
            summary = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
            (out / f"{digest}.py").write_bytes(data)
            (out / f"{digest}.txt").write_text(traceback.format_exc(), encoding="utf-8")
            failures.setdefault(summary, digest)
            print(f"FAIL {digest}: {summary}", flush=True)
    total = sum(tried.values())
    print(f"inputs tried: {total} ({', '.join(f'{n} {k}' for k, n in tried.items())}); "
          f"distinct failures: {len(failures)} (inputs in {out})")
    for summary, digest in failures.items():
        print(f"  {digest}: {summary}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
