"""A module that hangs at import, at 100 % CPU, after starting a process in a session of its
own; both pids go to $NNLINT_TEST_PID_FILE. (Top-level loops and `with` blocks are skipped
by dynamic mode's loader, so the hang is a function call.)"""
import os
import subprocess
import sys

import torch.nn as nn


def _record_and_spin():
    escaped = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
    with open(os.environ["NNLINT_TEST_PID_FILE"], "a") as handle:
        handle.write(f"{escaped.pid}\n{os.getpid()}\n")
    while True:
        pass


_record_and_spin()


class Never(nn.Module):
    pass
