"""The floor nnlint is measured against: `libcst.parse_module` on every file, nothing else.

Run as its own process by `benchmarks/run.py`, so that it pays the same interpreter start
and import costs as an `nnlint check` process, with a pool of as many processes as nnlint
uses. Prints the number of files parsed and the number libcst refused.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from typing import Sequence

import libcst


def _parse(path: str) -> bool:
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        libcst.parse_module(data)
    except Exception:  # noqa: BLE001 - a file libcst refuses still cost its parse attempt
        return False
    return True


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, required=True)
    parser.add_argument("file_list", help="a file holding one path per line")
    args = parser.parse_args(argv)
    with open(args.file_list, encoding="utf-8") as handle:
        paths = [line.rstrip("\n") for line in handle if line.strip()]
    if args.jobs <= 1:
        parsed = list(map(_parse, paths))
    else:
        with multiprocessing.Pool(args.jobs) as pool:
            parsed = pool.map(_parse, paths, chunksize=1)
    print(f"{len(parsed)} {parsed.count(False)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
