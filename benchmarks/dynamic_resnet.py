"""Time dynamic mode on a ResNet-18-sized model built in code (11.7M parameters).

    PYTHONPATH=$PWD python benchmarks/dynamic_resnet.py [--runs 3] [--size 224]

Prints, per run: the wall time of `nnlint check --dynamic` on the file (what a user waits
for: the static pass, starting the child, importing torch, the probes), and the time the
child spent on the model itself (building it, the shape check, the default probes and the
one-item-per-class fit). Target: under 15 s at 224x224 (`--size 224`).

Beside it, a baseline from the same run, so that a figure taken on a busy machine can be
read: a fresh Python importing torch, and one plain training step (forward and backward of
the same model, batch 8, one thread). The probes' time divided by that step is what the
probes cost in training steps, whatever the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

RESNET = '''
import torch
import torch.nn as nn


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet18(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        layers, inplanes = [], 64
        for planes, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            layers += [BasicBlock(inplanes, planes, stride), BasicBlock(planes, planes)]
            inplanes = planes
        self.layers = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.avgpool(self.layers(x))
        return self.fc(torch.flatten(x, 1))
'''


BASELINE = RESNET + '''
import sys, time
started = time.monotonic()
torch.set_num_threads(1)
model = ResNet18()
x = torch.randn(8, 3, SIZE, SIZE)
step = time.monotonic()
model(x).sum().backward()
print(f"{step - started:.2f} {time.monotonic() - step:.2f}")
'''


def baseline(size: int) -> tuple[float, float, float]:
    """Seconds for: Python importing torch, building the model, one forward+backward (batch 8)."""
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-c", "import torch\n" + BASELINE.replace("SIZE", str(size))],
                         capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    total = time.monotonic() - started
    build, step = (float(part) for part in run.stdout.split())
    return total - build - step, build, step


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", type=int, default=0,
                        help="configure the input as (8, 3, SIZE, SIZE); default: let nnlint infer it (32x32)")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "resnet18.py")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(RESNET)
        config = ["--isolated"]
        if args.size:
            with open(os.path.join(directory, "pyproject.toml"), "w", encoding="utf-8") as handle:
                handle.write(f'[tool.nnlint.dynamic.models."resnet18:ResNet18"]\ninput = [8, 3, {args.size}, {args.size}]\n')
            config = []
        sys.path.insert(0, root)
        from nnlint.dynamic.isolation import run_module
        from nnlint.dynamic.session import build_request
        from nnlint.dynamic.settings import DynamicSettings, ModelSpec

        settings = DynamicSettings()
        specs = {"ResNet18": ModelSpec(inputs=((8, 3, args.size, args.size),))} if args.size else {}
        for run in range(1, args.runs + 1):
            started = time.monotonic()
            completed = subprocess.run([sys.executable, "-m", "nnlint", "check", "--dynamic", *config,
                                        "--no-cache", path], capture_output=True, text=True, env=env, cwd=directory)
            wall = time.monotonic() - started
            outcome = run_module(build_request(path, settings, directory, {}, only=["ResNet18"], extra_specs=specs),
                                 settings.timeout, settings.memory_mb)
            report = outcome.reports.get("ResNet18", {})
            fit = report.get("probes", {}).get("fit", {})
            startup, _, step = baseline(args.size or 32)
            seconds = report.get('seconds', float('nan'))
            print(f"run {run}: check --dynamic {wall:.1f} s (exit {completed.returncode}); "
                  f"ResNet18 probes {seconds:.1f} s ({report.get('cpu_seconds', float('nan')):.1f} s CPU), "
                  f"status {report.get('status')}, "
                  f"{report.get('parameters', 0):,} parameters, input {report.get('input')}, "
                  f"fit unlearned {fit.get('unlearned')}")
            print(f"  baseline, same run: Python + import torch {startup:.1f} s, one training step "
                  f"(forward+backward, batch 8) {step:.2f} s; the probes cost {seconds / step:.1f} steps")
            if completed.stdout.strip():
                print("  " + completed.stdout.strip().replace("\n", "\n  "))
            if report.get("status") != "ok":
                print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
