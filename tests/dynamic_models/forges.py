"""A module whose top-level code and models write fake protocol lines (a result for Healthy,
an early `done`) to stdout, stderr and every other open file descriptor."""
import json
import os
import sys

import torch.nn as nn

FAKE = "".join(json.dumps(event) + "\n" for event in [
    {"event": "model", "model": "Healthy", "report": {"name": "Healthy", "status": "forged"}},
    {"event": "done"},
]).encode()


def _forge():
    print(FAKE.decode(), flush=True)
    sys.stderr.write(FAKE.decode())
    for descriptor in range(1, 64):
        try:
            os.write(descriptor, FAKE)
        except OSError:
            pass


_forge()


class Forges(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        _forge()
        return self.fc(x)


class Healthy(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)
