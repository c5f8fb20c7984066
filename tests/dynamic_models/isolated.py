"""Models that misbehave when built or run; the dynamic tests check that each gets a clear
status and that the well-behaved one after them still gets its results."""
import ctypes
import os
import subprocess
import sys
import time

import torch
import torch.nn as nn
import nnlint_test_missing_package as pl

PID_FILE = os.environ.get("NNLINT_TEST_PID_FILE", os.devnull)


class Hangs(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        with open(PID_FILE, "w") as handle:
            handle.write(str(helper.pid))
        while True:
            time.sleep(0.1)


class Exits(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        os._exit(3)


class Segfaults(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return ctypes.string_at(0)


class EatsMemory(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return torch.ones(1 << 40)


class InterruptsItself(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        raise KeyboardInterrupt("raised by the model")


class RaisesInInit(nn.Module):
    def __init__(self):
        super().__init__()
        raise RuntimeError("weights file not found")


class NeedsArguments(nn.Module):
    def __init__(self, in_dim, n_cls, dropout=0.1):
        super().__init__()
        self.fc = nn.Linear(in_dim, n_cls)


class NeedsMissingPackage(pl.LightningModule):
    def forward(self, x):
        return x


class Healthy(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)
