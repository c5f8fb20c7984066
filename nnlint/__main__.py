import os
import sys

# `python -m nnlint` puts the working directory first on sys.path, so a module of the linted
# project named like one of nnlint's dependencies (click.py, libcst.py, ...) would be imported,
# and run, by nnlint itself. The nnlint package is already found; the directory is not needed.
if not getattr(sys.flags, "safe_path", False) and sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from nnlint.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
