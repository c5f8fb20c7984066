"""A model whose module and forward start processes that leave nnlint's process group and
session (`start_new_session=True`), one of them a daemon with an empty environment (a double
fork: its parent exits at once). Each writes its pid to $NNLINT_TEST_PID_FILE."""
import os
import subprocess
import sys

import torch.nn as nn

PID_FILE = os.environ.get("NNLINT_TEST_PID_FILE", os.devnull)
SLEEP = [sys.executable, "-c", "import time; time.sleep(600)"]
DAEMON = ("import subprocess, sys; print(subprocess.Popen(%r, start_new_session=True, env={}, "
          "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).pid)" % (SLEEP,))


def _record(pid):
    with open(PID_FILE, "a") as handle:
        handle.write(f"{pid}\n")


def _daemon():
    return int(subprocess.run([sys.executable, "-c", DAEMON], capture_output=True, text=True).stdout)


_record(subprocess.Popen(SLEEP, start_new_session=True).pid)


class Escapes(nn.Module):
    started = False

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        if not Escapes.started:  # forward runs many times; two processes are enough
            Escapes.started = True
            _record(subprocess.Popen(SLEEP, start_new_session=True).pid)
            _record(_daemon())
        return self.fc(x)
